import { RemoteError } from '../client.js';
import { answered } from './probe.js';
import { type Check, type DoctorRun, fail, pass, skip, viaTokenRoot } from './state.js';
import { shownUrl } from './target.js';

/**
 * `--try`: the one check that changes the server, because it triggers for real. A URL is replayed
 * exactly as curl would send it (its method, its query, the credentials, no crumb), so the answer
 * is the one the script gets; a job name is triggered as `steward build` does it.
 */
export async function checkTry(run: DoctorRun): Promise<Check> {
  if (!run.tryIt) return skip('try', 'not asked; --try triggers a build for real');
  if (run.target.kind === 'none' || !run.target.fullName) return skip('try', 'no job named');
  const url = run.target.url;
  if (url) {
    const sent = new URL(url.href);
    if (run.token && !sent.searchParams.has('token')) sent.searchParams.set('token', run.token.value);
    const observation = await run.probe.request(run.target.method, sent);
    const what = `${run.target.method} ${shownUrl(sent)}`;
    if (observation.status >= 400) return fail('try', `the trigger was refused: ${what}`, answered(observation), observation.hint ?? refusalFix(run, observation.status, observation.reason));
    return pass('try', `triggered: ${what} answered HTTP ${observation.status}`, queued(run, observation.headers.get('location')));
  }
  const item = run.facts.item;
  const parameterized = item ? item.parameters.length > 0 : run.parameters.length > 0;
  const action = parameterized ? 'buildWithParameters' : 'build';
  const tokenOnly = viaTokenRoot(run);
  const form = new URLSearchParams();
  for (const [name, value] of run.parameters) form.append(name, value);
  if (run.token) form.set('token', run.token.value);
  if (tokenOnly) form.set('job', run.target.fullName);
  const where = tokenOnly ? `buildByToken/${action}` : `${run.target.path}${action}`;
  try {
    const response = await run.client.post(where, { form });
    await response.body?.cancel();
    return pass('try', `triggered: POST ${run.client.shown(where)} answered HTTP ${response.status}`, queued(run, response.headers.get('location')));
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    return fail('try', `the trigger was refused: POST ${error.url}`, `HTTP ${error.status}${error.reason ? ` ${error.reason}` : ''}: ${error.message}`, error.hint ?? refusalFix(run, error.status, error.reason));
  }
}

function queued(run: DoctorRun, location: string | null): string | null {
  if (!location) return null;
  const match = /\/queue\/item\/(\d+)\/?$/.exec(new URL(location, run.probe.root).pathname);
  return match ? `queue item ${match[1]} (${run.client.shown(`queue/item/${match[1]}/`)})` : null;
}

/**
 * The fix for a refused trigger the server did not explain. Only the trigger can test a token, so a
 * 403 with a token sent most likely means the token is wrong (Jenkins says no more than 403).
 */
function refusalFix(run: DoctorRun, status: number, reason: string | null): string {
  const name = run.target.fullName ?? 'the job';
  if (reason === 'job_token_invalid' || (status === 403 && run.token && reason === null)) {
    return `send ${name}'s current token: the one in its configuration ("Trigger builds remotely" / authToken), or a Steward trigger token that covers ${name}`;
  }
  return 'see the failed checks above, and the server\'s message';
}
