import { spawn } from 'node:child_process';
import type { CredentialSecret } from '../core/credential.js';
import { branchMatches, displayUrl, isCommitSpec } from '../core/git-source.js';
import type { Job } from '../core/item.js';
import type { RepositoryAnswer } from '../queue/scm-polling.js';
import { GitCredentialFiles } from './git-credentials.js';

/** How long one `git ls-remote` may take before it is killed, and the most of its output read. */
const LS_REMOTE_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

/**
 * Asks a job's repositories for the heads of the branches (and tags) its branch specifiers select,
 * with `git ls-remote` on this server: no workspace, one process per remote, credentials as for a
 * checkout (GIT_ASKPASS or GIT_SSH_COMMAND in a private temp dir, removed afterwards). Heads are keyed
 * `REMOTE REF` (`origin refs/heads/main`). A specifier naming a commit never moves and is not asked
 * about. Lines for the polling log are returned with the answer, in Jenkins' form.
 */
export async function askRemoteHeads(job: Job, credentials: ReadonlyMap<string, CredentialSecret>, environment: Readonly<Record<string, string>>): Promise<RepositoryAnswer> {
  const source = job.settings.scm;
  if (!source) return { heads: null, log: ['This job has no git repository to poll.'] };
  const log: string[] = [];
  const heads: Record<string, string> = {};
  const specs = source.branches.filter((spec) => !isCommitSpec(spec));
  if (specs.length === 0) return { heads: {}, log: ['Its branch specifiers name commits only: nothing to poll.'] };
  const files = new GitCredentialFiles(null);
  try {
    for (const remote of source.remotes) {
      const credential = remote.credentialsId === null ? null : (credentials.get(remote.credentialsId) ?? null);
      if (remote.credentialsId !== null && credential === null) log.push(`credential "${remote.credentialsId}" is not available: asking without it`);
      const access = await files.access(remote.url, credential);
      if (access.warning) log.push(access.warning);
      log.push(` > git ls-remote -h -t -- ${displayUrl(remote.url)} # timeout=${LS_REMOTE_TIMEOUT_MS / 60_000}`);
      const answer = await lsRemote(remote.url, { ...environment, ...access.env });
      if (answer.code !== 0) {
        log.push(mask(answer.stderr.trim(), access.secrets), `ERROR: git ls-remote of ${displayUrl(remote.url)} failed (exit code ${answer.code}).`);
        return { heads: null, log };
      }
      const refs = parseLsRemote(answer.stdout);
      let found = 0;
      for (const [ref, sha] of refs) {
        if (!specs.some((spec) => branchMatches(spec, remote.name, ref))) continue;
        heads[`${remote.name} ${ref}`] = sha;
        found += 1;
      }
      log.push(`Found ${refs.size} remote heads on ${displayUrl(remote.url)}; ${found} match ${specs.join(', ')}`);
    }
    return { heads, log };
  } finally {
    await files.dispose();
  }
}

/** `SHA\tREF` lines; a tag's peeled line (`REF^{}`) names the commit it points at and wins over the tag object. */
export function parseLsRemote(output: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [sha, ref] = line.trim().split('\t');
    if (!sha || !ref) continue;
    if (ref.endsWith('^{}')) refs.set(ref.slice(0, -3), sha);
    else if (!refs.has(ref)) refs.set(ref, sha);
  }
  return refs;
}

function lsRemote(url: string, env: Readonly<Record<string, string>>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('git', ['ls-remote', '-h', '-t', '--', url], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: LS_REMOTE_TIMEOUT_MS, killSignal: 'SIGKILL' });
    const out: Buffer[] = [];
    let size = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT_BYTES) out.push(chunk);
      else child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-16 * 1024);
    });
    child.on('error', (error) => resolve({ code: -1, stdout: '', stderr: `could not run git: ${error.message}` }));
    child.on('close', (code, signal) => {
      const cut = size > MAX_OUTPUT_BYTES ? `\nThe answer is larger than ${MAX_OUTPUT_BYTES} bytes: stopped.` : signal ? `\nStopped after ${LS_REMOTE_TIMEOUT_MS / 1000} s.` : '';
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: stderr + cut });
    });
  });
}

function mask(text: string, secrets: readonly string[]): string {
  return secrets.reduce((masked, secret) => (secret === '' ? masked : masked.split(secret).join('****')), text);
}
