import { CRUMB_PROBE_PATH } from './access-checks.js';
import { apiTokenFix, grantFix, setTokenFix, tokenRootUrl } from './fixes.js';
import { answered, isCrumbRefusal } from './probe.js';
import { type Check, type DoctorRun, fail, isPost, isSteward, pass, skip, viaTokenRoot, who } from './state.js';
import { shownUrl } from './target.js';

/**
 * The checks of the trigger itself: Job/Build, the crumb, the method, the token and the Build
 * Token Root URL, and a URL cut short by the shell. Permission is tested with a GET of
 * `…/buildWithParameters` without a token, which both Steward and Jenkins refuse with 403 when
 * Job/Build is missing and otherwise with 405 (POST required) before anything is queued, for a
 * parameterized job or not, enabled or not.
 */

export async function checkBuildPermission(run: DoctorRun): Promise<Check> {
  const item = run.facts.item;
  if (viaTokenRoot(run)) return skip('build_permission', "on /buildByToken/ the job's token replaces Job/Build");
  if (!item) return skip('build_permission', run.target.kind === 'none' ? 'no job named' : 'the job is not visible');
  const path = run.target.path as string;
  const observation = await run.probe.get(`${path}buildWithParameters`);
  if (observation.status === 405) {
    run.facts.mayBuild = true;
    return pass('build_permission', `${who(run)} has Job/Build on ${item.fullName}`, 'GET …/buildWithParameters without a token answered 405 (POST required) after the permission check; nothing was triggered');
  }
  if (observation.status !== 403 && observation.status !== 401) {
    return skip('build_permission', `GET …/buildWithParameters without a token answered ${answered(observation)}, which does not tell`);
  }
  run.facts.mayBuild = false;
  if (run.token) return skip('build_permission', `${who(run)} lacks Job/Build on ${item.fullName}, so the token must replace it (see the token check)`);
  const others = run.client.credential ? '' : "pass --auth USER:TOKEN of a user who has it, or send the job's token (--token TOKEN, or token= in the URL), or ";
  return fail('build_permission', `${who(run)} lacks Job/Build on ${item.fullName}`, answered(observation), `${others}${grantFix(run, 'Job/Build', item.fullName)}`);
}

export async function checkCrumb(run: DoctorRun): Promise<Check> {
  if (!isPost(run)) return skip('crumb', 'a GET needs no crumb');
  if (viaTokenRoot(run)) return pass('crumb', 'no crumb needed: /buildByToken/ is exempt from the CSRF check');
  if (isSteward(run) && run.token) return pass('crumb', "no crumb needed: Steward exempts a request with a valid job token (DESIGN §5.8)");
  if (run.facts.credentialKind === 'api_token') return pass('crumb', 'no crumb needed: requests with an API token are exempt');
  if (!run.client.credential && !run.facts.anonymousReads) return skip('crumb', 'anonymous may not read this server');
  if (run.facts.crumbRequired === null) {
    const bare = await run.probe.post(CRUMB_PROBE_PATH);
    if (!isCrumbRefusal(bare) && bare.status !== 404) return skip('crumb', `a POST without a crumb answered ${answered(bare)}, which does not tell`);
    run.facts.crumbRequired = isCrumbRefusal(bare);
  }
  if (!run.facts.crumbRequired) return pass('crumb', 'no crumb needed: the server has CSRF protection off');
  const issued = await run.probe.get('crumbIssuer/api/json', { headers: { accept: 'application/json' } });
  const body = issued.status === 200 ? (JSON.parse(issued.text) as { crumb?: string; crumbRequestField?: string }) : {};
  if (!body.crumb || !body.crumbRequestField) {
    return fail('crumb', `a crumb is required, but ${who(run)} cannot get one`, `GET crumbIssuer/api/json answered ${answered(issued)}`, `use an API token, which needs no crumb: ${apiTokenFix(run)}`);
  }
  const headers = { [body.crumbRequestField]: body.crumb };
  const withCrumb = await run.probe.post(CRUMB_PROBE_PATH, { headers });
  if (!isCrumbRefusal(withCrumb)) {
    return pass('crumb', `a crumb is required, and ${who(run)} gets one that works without a session cookie`, `for curl: CRUMB=$(curl -s -u USER:SECRET '${run.probe.root.href}crumbIssuer/api/xml?xpath=concat(//crumbRequestField,":",//crumb)'), then -H "$CRUMB" on the POST`);
  }
  const withCookie = issued.cookies.length > 0 ? await run.probe.post(CRUMB_PROBE_PATH, { headers, cookies: issued.cookies }) : withCrumb;
  if (isCrumbRefusal(withCookie)) {
    return fail('crumb', 'the server refuses the crumb it issued', answered(withCookie), 'check that no proxy strips the Jenkins-Crumb header or the session cookie; or use an API token, which needs no crumb');
  }
  const names = issued.cookies.map((cookie) => cookie.split('=')[0]).join(', ');
  const cause = `a POST with the crumb but without the session cookie it came with (${names}) answered ${answered(withCrumb)}`;
  if (!run.target.url) return pass('crumb', 'a crumb is required and is bound to the session cookie; steward keeps the cookie', `${cause}; curl must keep it too (--cookie-jar, then --cookie)`);
  const getInstead = !run.client.credential && run.token ? "drop -X POST (a GET with the job's token needs no crumb), or " : '';
  return fail(
    'crumb',
    'a crumb is required, and it works only with the session cookie it came with',
    cause,
    `${getInstead}use an API token, which needs no crumb (${apiTokenFix(run)}); or keep the cookie: curl --cookie-jar /tmp/jar -u USER:SECRET '${run.probe.root.href}crumbIssuer/api/xml?xpath=concat(//crumbRequestField,":",//crumb)', then curl --cookie /tmp/jar -H "$CRUMB" -X POST …`,
  );
}

export async function checkMethod(run: DoctorRun): Promise<Check> {
  const url = run.target.url;
  if (!url) return skip('method', 'no URL given; steward build always POSTs');
  if (run.target.method === 'POST') return pass('method', 'the request is a POST');
  if (run.token) return pass('method', "a GET is accepted with the job's token");
  // Without credentials and without a token, a POST would not help either: the anonymous, token and & checks say what does.
  if (!run.client.credential && (run.target.kind === 'token-root-url' || !run.facts.anonymousReads)) return skip('method', 'a GET without a token or credentials: see the token and & checks');
  const credentials = run.client.credential ? `-u ${run.client.credential.user}:TOKEN ` : '';
  return fail('method', 'a GET without a token is refused: 405 This URL requires POST', `${shownUrl(url)} needs a POST unless it carries the job's token (Allow: POST)`, `send a POST: curl -X POST ${credentials}'${shownUrl(url)}'`);
}

/**
 * Whether `/buildByToken/` exists. Steward has it built in (without job= it answers 400). On Jenkins
 * the plugin list says, when the caller may read it; else an anonymous GET does: without the plugin
 * the URL is 404, or 403 for want of Overall/Read (only the plugin's URL is open to anonymous).
 */
async function tokenRootExists(run: DoctorRun): Promise<boolean> {
  if (!isSteward(run)) {
    const plugins = await run.probe.get('pluginManager/api/json?tree=plugins[shortName,active]', { headers: { accept: 'application/json' } });
    if (plugins.status === 200) {
      const body = JSON.parse(plugins.text) as { plugins?: Array<{ shortName?: string; active?: boolean }> };
      return (body.plugins ?? []).some((plugin) => plugin.shortName === 'build-token-root' && plugin.active !== false);
    }
  }
  const observation = await run.probe.get('buildByToken/build', { anonymous: true });
  const overallRead = observation.status === 403 && /hudson\.model\.Hudson\.Read/.test(`${observation.headers.get('x-required-permission') ?? ''} ${observation.text}`);
  return observation.status !== 404 && !overallRead;
}

export async function checkTokenRoot(run: DoctorRun): Promise<Check> {
  const root = run.probe.root.href;
  const exists = await tokenRootExists(run);
  run.facts.tokenRootExists = exists;
  if (exists) return pass('build_token_root', `${root}buildByToken/ answers (${isSteward(run) ? 'built into Steward' : 'the Build Authorization Token Root plugin'})`);
  if (!viaTokenRoot(run)) return skip('build_token_root', `${root}buildByToken/ is not there (no Build Authorization Token Root plugin); not needed, you trigger under /job/`);
  const path = run.target.path ?? 'job/NAME/';
  return fail(
    'build_token_root',
    'this Jenkins has no Build Authorization Token Root plugin',
    `${root}buildByToken/ is not there (the plugin list lacks build-token-root, or the URL answers 404 or asks for Overall/Read), so a token-only trigger has nowhere to go`,
    `install the build-token-root plugin (Manage Jenkins → Plugins → Available: "Build Authorization Token Root"), or trigger with credentials: curl -X POST -u USER:API_TOKEN '${root}${path}build' (steward build with --auth USER:TOKEN)`,
  );
}

/** Whether the job takes a token: asked of /buildByToken/ without one (404 = no token), else read from config.xml. */
async function jobTakesToken(run: DoctorRun, fullName: string): Promise<{ takes: boolean | null; evidence: string }> {
  if (run.facts.tokenRootExists) {
    const observation = await run.probe.get(`buildByToken/build?job=${encodeURIComponent(fullName)}`, { anonymous: true });
    const takes = observation.status !== 404;
    return { takes, evidence: `GET /buildByToken/build?job=${fullName} without a token answered ${answered(observation)}` };
  }
  if (!run.client.credential || !run.target.path) return { takes: null, evidence: '' };
  const config = await run.probe.get(`${run.target.path}config.xml`);
  if (config.status !== 200) return { takes: null, evidence: '' };
  const takes = /<authToken>[^<]+<\/authToken>/.test(config.text);
  return { takes, evidence: `its config.xml has ${takes ? 'an' : 'no'} <authToken>` };
}

export async function checkToken(run: DoctorRun): Promise<Check> {
  const { target, token } = run;
  if (target.kind === 'none') return skip('token', 'no job named');
  if (!target.fullName) return skip('token', 'the URL names no job');
  const name = target.fullName;
  if (!token && target.kind === 'token-root-url') {
    return fail('token', 'the URL carries no token=', '/buildByToken/ without token= needs Job/Build of the caller and a POST, and anonymous has neither', `add the job's token, and quote the URL: curl ${tokenRootUrl(run, name, target.action === 'buildWithParameters')}`);
  }
  const { takes, evidence } = await jobTakesToken(run, name);
  run.facts.jobTakesToken = takes;
  const has = takes === true ? `${name} takes a trigger token` : takes === false ? `${name} has no trigger token` : null;
  if (!token) {
    if (run.facts.mayBuild) return skip('token', `not needed: ${who(run)} has Job/Build${has ? `; ${has}` : ''}`);
    return skip('token', `no token given: --token TOKEN, STEWARD_TOKEN or token= in the URL${has ? `; ${has}` : ''}`);
  }
  if (takes === true) return pass('token', has as string, `whether the token from ${token.source} is the right one only a trigger tells (--try); a wrong one is refused with 403, even for an administrator`);
  if (takes === null) return skip('token', `cannot tell whether ${name} takes a token (that needs Job/Configure or the Build Token Root plugin); --try tests it`);
  if (run.facts.mayBuild) return pass('token', `${name} has no trigger token, so token= is ignored; ${who(run)} has Job/Build, so the trigger works without it`);
  const then = viaTokenRoot(run) ? 'so the token-only trigger is refused with 404' : `the trigger then needs Job/Build, which ${who(run)} lacks (403)`;
  return fail('token', `${name} has no trigger token, so the token sent is ignored`, `${evidence}; ${then}`, `${setTokenFix(run, name)}; or trigger with the credentials of a user with Job/Build (--auth USER:TOKEN)`);
}

export async function checkShellAmpersand(run: DoctorRun): Promise<Check> {
  const url = run.target.url;
  if (!url) return skip('shell_ampersand', 'no URL given');
  if (url.search === '' || url.search === '?') return pass('shell_ampersand', 'the URL has no query to cut');
  const count = [...url.searchParams].length;
  if (url.search.includes('&')) return pass('shell_ampersand', `the URL's query is whole (${count} parameters)`);
  const item = run.facts.item;
  const missingRequired = item !== null && item.parameters.some((parameter) => !parameter.hasDefault && !url.searchParams.has(parameter.name));
  const tokenExpected = run.target.kind === 'token-root-url' || !run.client.credential;
  const cut = !url.searchParams.has('token') && ((tokenExpected && !run.token) || missingRequired);
  if (!cut) return pass('shell_ampersand', "the URL's query looks whole");
  const lost = tokenExpected ? '&token=TOKEN' : '&NAME=value';
  return fail(
    'shell_ampersand',
    'an unquoted & in the shell cut the URL short',
    `the URL ends after ${url.search}: in a shell an unquoted & ends the command (and runs it in the background), so the server got only this much and the rest became a separate command`,
    `put the URL in single quotes: curl '${shownUrl(url)}${lost}'`,
  );
}
