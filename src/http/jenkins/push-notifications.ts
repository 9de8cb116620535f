import { GITHUB_SIGNATURE, signedWith } from '../../auth/webhooks.js';
import { TriggerTokens } from '../../auth/trigger-tokens.js';
import type { AuditEvent } from '../../core/audit.js';
import type { Cause } from '../../core/cause.js';
import { DomainError } from '../../core/errors.js';
import type { Job } from '../../core/item.js';
import { covers } from '../../core/trigger-token.js';
import type { NoticeResult, Push } from '../../queue/push-notifications.js';
import { auditEvent } from '../audit.js';
import { readBody, refuseDeepJson, single } from '../body.js';
import { Refusal } from '../errors.js';
import { origin } from './queueing.js';
import type { Scope } from './scope.js';

/** Where the git plugin's documentation explains the token; its refusal names it, so Steward's does too. */
const GIT_PLUGIN_DOCS = 'https://plugins.jenkins.io/git/#plugin-content-push-notification-from-repository';

/**
 * `/git/notifyCommit?url=URL&branches=B1,B2&sha1=SHA&token=TOKEN` (the git plugin's endpoint, GET or
 * POST, no user or crumb): the jobs that poll the repository (a "Poll SCM" trigger not ignoring
 * notifications) and build a named branch poll now, or, with `sha1`, build that commit at once. The
 * token is required, as in current git plugins (401 without, 403 when wrong); it is a Steward trigger
 * token and only the jobs it covers are considered. The answer is the plugin's text, one line per
 * job: "Scheduled polling of X", "Scheduled X", or "No git jobs using repository: URL and branches: B"
 * — the line Jenkins users whose hook "does nothing" need; it is also written to the audit log.
 */
export async function serveNotifyCommit(scope: Scope): Promise<Response> {
  const input = await scope.readInput();
  const url = single(input, 'url')?.trim() ?? '';
  if (url === '') throw new Refusal('parameter_missing', 'url= is required: the URL of the repository that changed.', 'Send /git/notifyCommit?url=https://host/org/repo.git&token=TOKEN.');
  const branches = (single(input, 'branches') ?? '').split(',').map((branch) => branch.trim()).filter((branch) => branch !== '');
  const sha1 = single(input, 'sha1')?.trim() || null;
  if (sha1 !== null && !/^[0-9a-f]{7,64}$/i.test(sha1)) throw new DomainError('parameter_invalid', `sha1=${sha1} is not a commit id.`, 'Send the full hexadecimal id of the pushed commit, or leave sha1= out to poll.');
  const token = await notifierToken(scope, single(input, 'token'));
  const push: Push = { urls: [url], refs: branches, sha1 };
  const results = await scope.deps.pushNotifications.notify(push, {
    listens: (job) => job.settings.pollSpec !== null && !job.settings.ignorePostCommitHooks,
    mayTrigger: (job) => covers(token, job),
    pollCause: { kind: 'scm_change' },
    ...(sha1 === null
      ? {}
      : {
          build: (job: Job) => ({
            kind: 'notification' as const,
            origin: origin(scope),
            cause: { kind: 'commit_hook' as const, sha1 },
            token: { uuid: token.uuid, name: token.name },
            detail: { notifyCommit: url, sha1 },
            // The same notification again (a retried hook) is the same build.
            once: { what: 'notifyCommit', key: `${sha1}:${job.id}` },
          }),
        }),
  });
  const lines = results.length > 0 ? results.map(({ job, action }) => (action === 'build' ? `Scheduled ${job.fullName}` : `Scheduled polling of ${job.fullName}`)) : [noJobs(url, branches)];
  recordNotice(scope, results, { notifyCommit: url, branches: branches.join(','), sha1, token: token.name, result: lines.join('; ') });
  return new Response(`${lines.join('\n')}\n`, { status: 200, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });
}

async function notifierToken(scope: Scope, presented: string | undefined) {
  if (presented === undefined || presented === '') {
    throw new DomainError('access_token_required', `An access token is required. Please refer to Git plugin documentation (${GIT_PLUGIN_DOCS}) for details.`, 'Make a trigger token covering the jobs (Manage → Trigger tokens, or steward token create) and send it as token=…; it is all /git/notifyCommit accepts.');
  }
  await scope.deps.authenticator.checkAllowed(scope.address);
  const token = TriggerTokens.isTokenLike(presented) ? await scope.deps.authenticator.triggerToken(presented, scope.address) : null;
  if (token === null) {
    if (!TriggerTokens.isTokenLike(presented)) await scope.deps.authenticator.failed(scope.address);
    throw new DomainError('job_token_invalid', 'Invalid access token', '/git/notifyCommit takes a Steward trigger token (stwt_…) covering the jobs to poll.');
  }
  return token;
}

/**
 * `POST /github-webhook/` (the GitHub plugin's endpoint): a push event, signed with the secret of the
 * credential `githubWebhookSecretCredential` names (`X-Hub-Signature-256`), makes the jobs with
 * GitHub's push trigger (or a "Poll SCM" trigger not ignoring notifications) whose source uses the
 * pushed repository and a branch specifier matching the pushed ref poll now, as the plugin does; the
 * poll builds when the branch moved, with the cause "Started by GitHub push by USER". Unsigned
 * deliveries are refused: GitHub's deliveries are public, and a job must not start for anyone who can post.
 */
export async function serveGitHubWebhook(scope: Scope): Promise<Response> {
  if (scope.method !== 'POST') throw new Refusal('method_not_allowed', 'This URL requires POST: it is where GitHub delivers push events.', 'Point a GitHub webhook at it (Content type application/json, with a secret).', { Allow: 'POST' });
  const failures = `${scope.address} (github-webhook)`;
  await scope.deps.authenticator.checkAllowed(failures);
  const body = await readBody(scope.c, scope.bodyLimitBytes);
  const secret = await scope.deps.githubWebhookSecret();
  if (secret === null) {
    throw new DomainError('webhook_secret_missing', 'This server takes no GitHub deliveries at /github-webhook/: no webhook secret is set.', 'Create a system secret text credential holding the webhook\'s secret and name it in security.githubWebhookSecretCredential (or STEWARD_GITHUB_WEBHOOK_SECRET_CREDENTIAL); give GitHub the same secret.');
  }
  const sent = scope.c.req.header('x-hub-signature-256');
  if (sent === undefined || !signedWith(secret, GITHUB_SIGNATURE, sent, body)) {
    await scope.deps.authenticator.failed(failures);
    throw new DomainError('webhook_signature_invalid', `This delivery is not signed with the GitHub webhook secret: ${sent === undefined ? 'it has no X-Hub-Signature-256 header' : 'its X-Hub-Signature-256 does not match the body signed with the secret'}.`, 'Give GitHub the same secret as the credential named in security.githubWebhookSecretCredential, with Content type application/json.');
  }
  const event = scope.c.req.header('x-github-event') ?? '';
  if (event === 'ping') return scope.c.json({ status: 'pong' }, 200);
  if (event !== 'push') return scope.c.json({ status: 'ignored', reason: `Nothing triggered: only push events start builds here (this one is ${event || 'not named'}).` }, 202);
  const payload = pushPayload(scope.c.req.header('content-type') ?? '', body);
  if (payload.deleted) return scope.c.json({ status: 'ignored', reason: `Nothing triggered: ${payload.ref} was deleted.` }, 202);
  const cause: Cause = { kind: 'github_push', pushedBy: payload.pushedBy };
  const results = await scope.deps.pushNotifications.notify(
    { urls: payload.urls, refs: [payload.ref], sha1: null },
    {
      listens: (job) => job.settings.githubPushTrigger || (job.settings.pollSpec !== null && !job.settings.ignorePostCommitHooks),
      mayTrigger: () => true,
      pollCause: cause,
    },
  );
  const result = results.length > 0 ? results.map(({ job }) => `Scheduled polling of ${job.fullName}`).join('; ') : noJobs(payload.urls[0] ?? '', [payload.ref]);
  recordNotice(scope, results, { githubPush: payload.urls[0] ?? null, ref: payload.ref, pushedBy: payload.pushedBy, result }, 'webhook');
  return scope.c.json({ status: results.length > 0 ? 'polling' : 'ignored', ...(results.length > 0 ? { polling: results.map(({ job }) => job.fullName) } : { reason: result }) }, results.length > 0 ? 200 : 202);
}

function noJobs(url: string, branches: readonly string[]): string {
  return `No git jobs using repository: ${url} and branches: ${branches.join(',')}`;
}

/** One audit entry per notification, saying which jobs it reached or that it reached none. */
function recordNotice(scope: Scope, results: readonly NoticeResult[], detail: AuditEvent['detail'], credential: AuditEvent['credential'] = 'trigger_token'): void {
  scope.deps.audit.record(auditEvent(scope.c, { action: 'push.notification', outcome: 'accepted', credential, detail: { ...detail, jobs: results.map(({ job }) => job.fullName).join(', ') } }));
}

interface PushPayload {
  readonly urls: string[];
  readonly ref: string;
  readonly pushedBy: string;
  readonly deleted: boolean;
}

/** The fields of GitHub's push event Steward reads (JSON, or form-encoded with `payload=`). */
function pushPayload(contentType: string, body: Uint8Array): PushPayload {
  const text = new TextDecoder().decode(body);
  const json = contentType.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(text).get('payload') ?? '' : text;
  refuseDeepJson(json, 'The delivery', 'Send the push event as GitHub sends it.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Refusal('body_invalid', 'The delivery is not JSON.', 'Configure the GitHub webhook with Content type application/json.');
  }
  const event = (parsed ?? {}) as { ref?: unknown; deleted?: unknown; repository?: Record<string, unknown>; pusher?: { name?: unknown }; sender?: { login?: unknown } };
  const repository = event.repository ?? {};
  const urls = ['clone_url', 'ssh_url', 'git_url', 'html_url', 'url'].flatMap((field) => (typeof repository[field] === 'string' ? [repository[field] as string] : []));
  if (typeof event.ref !== 'string' || urls.length === 0) throw new Refusal('body_invalid', 'This push event names no ref or repository.', 'Send GitHub\'s push event as it is (ref, repository.clone_url…).');
  const pusher = typeof event.pusher?.name === 'string' ? event.pusher.name : typeof event.sender?.login === 'string' ? event.sender.login : 'unknown';
  return { urls, ref: event.ref, pushedBy: pusher, deleted: event.deleted === true };
}

