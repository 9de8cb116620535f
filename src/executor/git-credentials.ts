import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CredentialSecret } from '../core/credential.js';

/** The variables git needs to reach one remote with its credential, and the values to mask in the log. */
export interface GitAccess {
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: readonly string[];
  /** Why the credential could not be used for this URL, to be said in the log; null when it is used or there is none. */
  readonly warning: string | null;
}

/** The username a secret text (a token) is sent with over HTTPS: GitHub, GitLab and Gitea take a token as the password with any username. */
export const TOKEN_USERNAME = 'x-access-token';

/**
 * Credential files for one checkout (or one `ls-remote`): a private directory (0700) outside the
 * workspace, made on first use, owned by the account git runs as, and removed by `dispose`, also
 * after a failure. Secrets never go into a file's text, a URL or an argument: the askpass scripts
 * print environment variables given to the git process alone; only an SSH key must be a file (0600).
 */
export class GitCredentialFiles {
  private dir: string | null = null;
  private count = 0;

  constructor(private readonly owner: { readonly uid: number; readonly gid: number } | null) {}

  /** What git needs to fetch `url` with `credential` (none: only `GIT_TERMINAL_PROMPT=0`, so git never waits for a person). */
  async access(url: string, credential: CredentialSecret | null): Promise<GitAccess> {
    const base = { GIT_TERMINAL_PROMPT: '0' };
    if (credential === null) return { env: base, secrets: [], warning: null };
    const ssh = isSshUrl(url);
    if (credential.kind === 'sshPrivateKey') {
      if (!ssh) return { env: base, secrets: [], warning: `credential "${credential.id}" is an SSH key, and ${url} is not an SSH URL: not used` };
      const key = await this.file('key', credential.privateKey.endsWith('\n') ? credential.privateKey : `${credential.privateKey}\n`, 0o600);
      const user = credential.username.trim() === '' ? '' : ` -o User=${shellWord(credential.username)}`;
      const env: Record<string, string> = { ...base, GIT_SSH_COMMAND: `ssh -i ${shellWord(key)} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o BatchMode=${credential.passphrase ? 'no' : 'yes'}${user}` };
      if (credential.passphrase) {
        Object.assign(env, { SSH_ASKPASS: await this.file('askpass', ASKPASS_PASSPHRASE, 0o700), SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0', STEWARD_GIT_PASSPHRASE: credential.passphrase });
      }
      return { env, secrets: credential.passphrase ? [credential.passphrase] : [], warning: null };
    }
    if (credential.kind === 'secretFile') return { env: base, secrets: [], warning: `credential "${credential.id}" is a secret file, which git cannot use: not used` };
    if (ssh) return { env: base, secrets: [], warning: `credential "${credential.id}" is a ${credential.kind === 'secretText' ? 'secret text' : 'username and password'}, and ${url} is an SSH URL: not used` };
    const [username, password] = credential.kind === 'usernamePassword' ? [credential.username, credential.password] : [TOKEN_USERNAME, credential.secret];
    return {
      env: { ...base, GIT_ASKPASS: await this.file('askpass', ASKPASS_USERNAME_PASSWORD, 0o700), STEWARD_GIT_USERNAME: username, STEWARD_GIT_PASSWORD: password },
      secrets: [password],
      warning: null,
    };
  }

  async dispose(): Promise<void> {
    if (this.dir !== null) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  private async file(name: string, content: string, mode: number): Promise<string> {
    if (this.dir === null) {
      this.dir = await mkdtemp(join(tmpdir(), 'steward-git-'));
      await chmod(this.dir, 0o700);
      if (this.owner) await chown(this.dir, this.owner.uid, this.owner.gid);
    }
    const path = join(this.dir, `${name}-${(this.count += 1)}`);
    await writeFile(path, content, { mode });
    if (this.owner) await chown(path, this.owner.uid, this.owner.gid);
    return path;
  }
}

/** Git's askpass protocol: the prompt is the first argument ("Username for 'https://…': ", "Password for …"). */
const ASKPASS_USERNAME_PASSWORD = `#!/bin/sh
case "$1" in
  [Uu]sername*) printf '%s\\n' "$STEWARD_GIT_USERNAME" ;;
  *) printf '%s\\n' "$STEWARD_GIT_PASSWORD" ;;
esac
`;

const ASKPASS_PASSPHRASE = `#!/bin/sh
printf '%s\\n' "$STEWARD_GIT_PASSPHRASE"
`;

/** ssh://…, git+ssh://…, or scp-like user@host:path (not a Windows drive, not a URL with a scheme). */
export function isSshUrl(url: string): boolean {
  if (/^(ssh|git\+ssh|ssh\+git):\/\//i.test(url)) return true;
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && /^([^@/:]+@)?[^/:]{2,}:/.test(url);
}

/** A word for `GIT_SSH_COMMAND`, which git runs through the shell: quoted. */
function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
