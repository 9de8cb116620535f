import { RemoteError } from '../client.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { checkParameters } from '../parameters.js';
import { readItem } from '../remote-jobs.js';
import { allowAnonymousReadFix, apiTokenFix, enableFix, grantFix, tokenRootUrl } from './fixes.js';
import { answered, isCrumbRefusal, Unreachable } from './probe.js';
import { type Check, type DoctorRun, fail, isSteward, pass, skip, viaTokenRoot, who } from './state.js';

/**
 * The checks of who may reach what: the server, the credential, anonymous access, the job, its
 * state and its parameters. Each asks only with GET (and a POST to a URL that does not exist, which
 * tells whether a crumb is needed), so nothing on the server changes.
 */

/** A path nothing answers: a POST to it without a crumb is refused by the CSRF check or is a 404. */
export const CRUMB_PROBE_PATH = 'steward-doctor/crumb-probe';

/** Names a trigger reads itself rather than as job parameters. */
const RESERVED = new Set(['token', 'job', 'delay', 'cause', 'json', 'Jenkins-Crumb']);

export async function checkServer(run: DoctorRun): Promise<Check> {
  const root = run.probe.root.href;
  const source = run.client.connection.serverSource;
  let observation;
  try {
    observation = await run.probe.get('api/json?tree=mode', { anonymous: true, headers: { accept: 'application/json' } });
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    if (error.code === 'ECONNREFUSED') return fail('server', `nothing answers at ${root}`, `connection refused (the server came from ${source})`, 'start the server (steward serve), or point --server or STEWARD_URL at the right host and port');
    if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return fail('server', `the host ${run.probe.root.hostname} is unknown`, `DNS does not know it (the server came from ${source})`, 'check the spelling of --server or STEWARD_URL');
    if (/timeout/i.test(error.code)) return fail('server', `${root} does not answer`, 'no answer within 10 s', 'check that the server is up and reachable from here (proxy, firewall, VPN)');
    return fail('server', `cannot reach ${root}`, `${error.code}: ${error.message}`, 'check --server or STEWARD_URL, and the TLS certificate of the server');
  }
  const steward = observation.headers.get('x-steward');
  const jenkins = observation.headers.get('x-jenkins');
  if (!steward && !jenkins) {
    return fail(
      'server',
      `${root} is neither Steward nor Jenkins`,
      `GET ${root}api/json answered HTTP ${observation.status} without an X-Steward or X-Jenkins header (the server came from ${source})`,
      "point --server (or STEWARD_URL) at the server's root: the URL whose /api/json answers with an X-Jenkins header, with its context path (e.g. https://host/jenkins/)",
    );
  }
  run.facts.server = steward ? { kind: 'steward', version: steward } : { kind: 'jenkins', version: jenkins as string };
  run.facts.anonymousReads = observation.status === 200;
  run.facts.anonymousAnswer = answered(observation);
  return pass('server', `${steward ? `Steward ${steward}` : `Jenkins ${jenkins}`} answers at ${root}`);
}

export async function checkCredential(run: DoctorRun): Promise<Check> {
  const credential = run.client.credential;
  if (!credential) return skip('credential', run.token ? 'no credentials: the trigger goes by the token alone' : 'no credentials given, so the checks are for anonymous; --auth USER:TOKEN or STEWARD_AUTH checks a user');
  const observation = await run.probe.get('whoAmI/api/json', { headers: { accept: 'application/json' } });
  if (observation.status === 200) {
    run.facts.credentialAccepted = true;
    return pass('credential', `${credential.user} is accepted (credential from ${credential.source})`);
  }
  run.facts.credentialAccepted = false;
  if (observation.status === 429) {
    const retry = observation.headers.get('retry-after');
    return fail('credential', 'too many failed logins from this address', answered(observation), `wait${retry ? ` ${retry} s` : ''} for the window to pass, then use a correct credential: ${apiTokenFix(run)}`);
  }
  const why =
    observation.reason === 'token_revoked'
      ? 'the API token was revoked'
      : observation.reason === 'token_expired'
        ? 'the API token has expired'
        : 'the user name is unknown, or the password or API token is wrong (or the token was revoked)';
  return fail('credential', `the server refuses ${credential.user}'s credential (from ${credential.source})`, `${answered(observation)}: ${why}`, apiTokenFix(run));
}

export async function checkCredentialKind(run: DoctorRun): Promise<Check> {
  const credential = run.client.credential;
  if (!credential) return skip('credential_kind', 'no credentials');
  let kind: 'password' | 'api_token' | 'other';
  if (isSteward(run)) {
    const observation = await run.probe.get('steward/api/v1/whoami', { headers: { accept: 'application/json' } });
    const body = observation.status === 200 ? (JSON.parse(observation.text) as { credential?: string }) : {};
    kind = body.credential === 'password' ? 'password' : body.credential === 'api_token' ? 'api_token' : 'other';
  } else {
    // Jenkins tells them apart only by the CSRF filter: a POST with a password and no crumb is refused.
    const observation = await run.probe.post(CRUMB_PROBE_PATH);
    if (isCrumbRefusal(observation)) {
      kind = 'password';
      run.facts.crumbRequired = true;
    } else {
      const issuer = await run.probe.get('crumbIssuer/api/json', { headers: { accept: 'application/json' } });
      kind = observation.status === 404 && issuer.status === 200 ? 'api_token' : 'other';
    }
  }
  run.facts.credentialKind = kind;
  if (kind === 'api_token') return pass('credential_kind', `${credential.user} authenticates with an API token`, 'requests with an API token need no crumb');
  if (kind === 'password') {
    return pass(
      'credential_kind',
      `${credential.user} authenticates with a password`,
      'every POST with a password needs a crumb (steward fetches one itself); for curl and scripts use an API token, which needs none and can be revoked alone: steward token create NAME',
    );
  }
  return skip('credential_kind', 'the server does not tell a password from an API token here (it asks no crumb of either)');
}

export async function checkAnonymousRead(run: DoctorRun): Promise<Check> {
  if (run.facts.anonymousReads) return pass('anonymous_read', 'anonymous may read this server (Overall/Read)');
  const cause = `GET ${run.probe.root.href}api/json without credentials answered ${run.facts.anonymousAnswer ?? 'a refusal'}`;
  if (run.client.credential) return pass('anonymous_read', `anonymous may not read this server; not needed, you authenticate as ${run.client.credential.user}`);
  if (viaTokenRoot(run)) return pass('anonymous_read', 'anonymous may not read this server; not needed, /buildByToken/ needs no read access');
  const name = run.target.fullName;
  if (run.target.kind === 'none' || !name) return fail('anonymous_read', 'anonymous may not read this server', cause, `pass --auth USER:TOKEN, or ${allowAnonymousReadFix(run)}`);
  const parameterized = run.target.action === 'buildWithParameters';
  return fail(
    'anonymous_read',
    "anonymous may not read this server, and a job's token does not replace Overall/Read",
    `${cause}; so a trigger of ${name} under /job/ without credentials is refused (403) before any token is looked at`,
    `pass --auth USER:TOKEN (curl -u USER:API_TOKEN), or use the token-only URL ${tokenRootUrl(run, name, parameterized)}, or ${allowAnonymousReadFix(run)}`,
  );
}

export async function checkJobVisible(run: DoctorRun): Promise<Check> {
  const { target } = run;
  if (target.kind === 'none') return skip('job_visible', 'no job named (steward doctor JOB)');
  if (!target.fullName || !target.path) {
    return fail('job_visible', 'the URL names no job: job= is missing', `${run.probe.root.href}buildByToken/… takes the job's full name as job=`, `add it: ${tokenRootUrl(run, 'FOLDER/NAME', false)}`);
  }
  if (!run.client.credential && !run.facts.anonymousReads) {
    return skip('job_visible', viaTokenRoot(run) ? 'anonymous may not read; /buildByToken/ does not need it, and the token check tells whether the job takes a token' : 'anonymous may not read this server');
  }
  try {
    const item = await readItem(run.reader, { fullName: target.fullName, path: target.path, server: null, action: '', query: new URLSearchParams() });
    if (item.isFolder) return fail('job_visible', `${item.fullName} is a folder, not a job`, `${run.probe.root.href}${target.path}api/json describes a ${item.className || 'folder'}`, `name a job inside it (steward job list ${item.fullName})`);
    run.facts.item = item;
    return pass('job_visible', `${item.fullName} exists and ${who(run)} may see it`);
  } catch (error) {
    if (error instanceof CliError && error.exitCode === ExitCode.illegalArgument) {
      const suggestion = /perhaps you meant '([^']+)'/.exec(error.message)?.[1];
      return fail(
        'job_visible',
        `${who(run)} sees no job ${target.fullName}`,
        `${error.message} (HTTP 404; a job without Job/Read looks absent too)`,
        `${suggestion ? `use the name ${suggestion}` : 'check the full name (steward job list)'}, or, if it exists, ${grantFix(run, 'Job/Read', target.fullName)}`,
      );
    }
    if (error instanceof RemoteError && error.status === 403) {
      return fail('job_visible', `${who(run)} may not see ${target.fullName}`, `HTTP 403${error.reason ? ` ${error.reason}` : ''}: ${error.message}`, grantFix(run, 'Job/Read', target.fullName));
    }
    if (error instanceof RemoteError) return fail('job_visible', `cannot read ${target.fullName}`, `HTTP ${error.status}: ${error.message}`, error.hint ?? 'see the server log for the cause');
    throw error;
  }
}

export async function checkJobBuildable(run: DoctorRun): Promise<Check> {
  const item = run.facts.item;
  if (!item) return skip('job_buildable', run.target.kind === 'none' ? 'no job named' : 'the job is not visible; --try tells');
  if (item.buildable) return pass('job_buildable', `${item.fullName} is enabled`);
  return fail(
    'job_buildable',
    `${item.fullName} is disabled`,
    `its API says buildable: false${item.color ? ` (color ${item.color})` : ''}, so a trigger is refused: 409 job_disabled (400 on /buildByToken/)`,
    enableFix(run, item.fullName),
  );
}

export async function checkParametersFit(run: DoctorRun): Promise<Check> {
  const item = run.facts.item;
  if (!item) return skip('parameters', run.target.kind === 'none' ? 'no job named' : 'the job is not visible');
  const parameterized = item.parameters.length > 0;
  const names = item.parameters.map((parameter) => parameter.name);
  const { target } = run;
  const url = target.url;
  const root = run.probe.root.href;
  if (url && target.action === 'build' && parameterized && !url.searchParams.has('json')) {
    if (target.kind === 'token-root-url') {
      return fail('parameters', `${item.fullName} takes parameters, so /buildByToken/build refuses it`, 'HTTP 400 job_parameterized: use /buildByToken/buildWithParameters for a job that takes parameters', `use ${tokenRootUrl(run, item.fullName, true).replace(/'$/, `&${names[0]}=value'`)}`);
    }
    return fail(
      'parameters',
      `${item.fullName} takes parameters (${names.join(', ')}), so …/build without json= does not trigger it`,
      target.method === 'GET' ? 'a GET of …/build on a parameterized job answers 405 with the parameter form (parameters_form_required)' : 'a POST of …/build without json= answers 400 (nothing_submitted)',
      `use …/buildWithParameters: curl -X POST -u USER:TOKEN '${root}${target.path}buildWithParameters?${names[0]}=value'`,
    );
  }
  if (url && target.action === 'buildWithParameters' && !parameterized) {
    const fix = target.kind === 'token-root-url' ? `use ${tokenRootUrl(run, item.fullName, false)}` : `use …/build: curl -X POST -u USER:TOKEN '${root}${target.path}build'`;
    return fail('parameters', `${item.fullName} takes no parameters, so …/buildWithParameters refuses it`, 'HTTP 400 job_not_parameterized', fix);
  }
  const fromUrl = url && target.action === 'buildWithParameters' ? [...url.searchParams].filter(([name]) => !RESERVED.has(name)) : [];
  try {
    checkParameters(item, [...run.parameters, ...fromUrl]);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    const how = url ? 'in the URL (NAME=value after ?, joined by &)' : 'with -p NAME=VALUE';
    return fail('parameters', `the parameters do not fit ${item.fullName}: ${error.message}`, parameterized ? `${item.fullName} takes ${names.join(', ')}` : `${item.fullName} takes no parameters`, `${error.hint ?? 'fix the parameters'} (values go ${how})`);
  }
  if (!parameterized) return pass('parameters', `${item.fullName} takes no parameters`);
  return pass('parameters', `${item.fullName} takes parameters ${names.join(', ')}; the values given fit`, 'it is triggered with …/buildWithParameters (steward build does that)');
}
