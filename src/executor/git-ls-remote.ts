import { execFile } from 'node:child_process';
import type { CredentialSecret } from '../core/credential.js';
import type { RemoteRef } from '../core/git-source.js';
import { GitCredentialFiles } from './git-credentials.js';

export interface LsRemoteOptions {
  /** The environment git runs with (PATH, HOME); the server's PATH and a throwaway HOME are enough. */
  readonly env?: Readonly<Record<string, string>>;
  /** Killed after this long (default one minute). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * The branches and tags of a remote repository, without a workspace (`git ls-remote --heads --tags
 * -- URL`), with a credential as a checkout uses it (GIT_ASKPASS or GIT_SSH_COMMAND, files removed
 * afterwards): what SCM polling compares with the last built revision, one process per poll. Tags
 * are listed peeled (the commit an annotated tag points to). Rejects with git's error text.
 */
export async function lsRemote(url: string, credential: CredentialSecret | null, options: LsRemoteOptions = {}): Promise<RemoteRef[]> {
  const files = new GitCredentialFiles(null);
  try {
    const access = await files.access(url, credential);
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        'git',
        ['ls-remote', '--heads', '--tags', '--', url],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env, ...access.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, ...(options.signal ? { signal: options.signal } : {}) },
        (error, out, err) => {
          if (error) {
            let message = String(err).trim() || error.message;
            for (const secret of access.secrets) message = message.split(secret).join('****');
            reject(new Error(message));
          } else resolve(out);
        },
      );
    });
    const refs = new Map<string, string>();
    for (const line of stdout.split('\n')) {
      const [sha, ref] = line.split('\t');
      if (!sha || !ref) continue;
      // `refs/tags/v1^{}` is the commit an annotated tag points to: it wins over the tag object.
      if (ref.endsWith('^{}')) refs.set(ref.slice(0, -3), sha);
      else if (!refs.has(ref)) refs.set(ref, sha);
    }
    return [...refs].map(([ref, sha]) => ({ ref, sha }));
  } finally {
    await files.dispose();
  }
}
