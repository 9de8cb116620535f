import { randomBytes } from 'node:crypto';
import { chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Binding, BINDING_TAKES, credentialIdsOf } from '../core/binding.js';
import { CREDENTIAL_KIND_TITLES, type CredentialSecret } from '../core/credential.js';
import type { JobSettings } from '../core/item.js';
import { maskedForms } from '../logs/masking.js';

/** What a build's bindings give its steps, and how to take it back. */
export interface BoundCredentials {
  /** Variables for the steps' environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Every form of every bound secret, for the log's Masker. */
  readonly masks: readonly string[];
  /** Removes the files written for the build (secret files, keys). Safe to call more than once. */
  remove(): Promise<void>;
}

const DIR_PREFIX = 'secretFiles-';

/**
 * Removes what a build killed with its server (`kill -9`, a power cut) left of its secret files. A
 * workspace's `@tmp` belongs to one build at a time (concurrent builds get `@2`, `@3`…), so any such
 * directory in it when a build starts is a leftover.
 */
export async function removeLeftovers(scratch: string): Promise<void> {
  const entries = await readdir(scratch).catch(() => [] as string[]);
  await Promise.all(entries.filter((name) => name.startsWith(DIR_PREFIX)).map((name) => rm(join(scratch, name), { recursive: true, force: true })));
}

/** Why a build cannot have its credentials: a line for its log. */
export class UnboundCredentials extends Error {}

/**
 * Turns a job's bindings into environment variables, and secret files and SSH keys into files in a
 * directory of their own (mode 0700, files 0600, owned by the build user when there is one) under
 * `scratch` (the workspace's `@tmp`, outside the workspace, so a build that archives or publishes
 * its workspace never takes them along). The caller removes them when the build ends, however it
 * ends. A credential the job names that `found` lacks (deleted since the job was saved) or of another
 * kind fails the build before any step runs.
 */
export async function bindCredentials(
  settings: JobSettings,
  found: ReadonlyMap<string, CredentialSecret>,
  scratch: string,
  owner: { readonly uid: number; readonly gid: number } | null,
): Promise<BoundCredentials> {
  const missing = credentialIdsOf(settings).filter((use) => !found.has(use.id));
  if (missing.length > 0) {
    throw new UnboundCredentials(`Credential${missing.length > 1 ? 's' : ''} ${missing.map((use) => `"${use.id}" (${use.field})`).join(', ')} no longer exist${missing.length > 1 ? '' : 's'} where this job may use ${missing.length > 1 ? 'them' : 'it'}: create ${missing.length > 1 ? 'them' : 'it'} again, or change the job.`);
  }
  const env: Record<string, string> = {};
  const masks: string[] = [];
  let dir: string | null = null;
  const remove = async () => {
    if (dir !== null) await rm(dir, { recursive: true, force: true });
  };
  const file = async (name: string, content: Buffer): Promise<string> => {
    if (dir === null) {
      dir = join(scratch, `${DIR_PREFIX}${randomBytes(8).toString('hex')}`);
      await mkdir(dir, { mode: 0o700 });
      if (owner) await chown(dir, owner.uid, owner.gid);
    }
    const path = join(dir, name);
    await writeFile(path, content, { mode: 0o600 });
    if (owner) await chown(path, owner.uid, owner.gid);
    return path;
  };
  try {
    for (const binding of settings.bindings) {
      const secret = found.get(binding.credentialsId) as CredentialSecret;
      if (secret.kind !== BINDING_TAKES[binding.kind]) {
        throw new UnboundCredentials(`Credential "${secret.id}" is now a ${CREDENTIAL_KIND_TITLES[secret.kind]} credential, which a ${binding.kind} binding cannot bind: change the job.`);
      }
      await bind(binding, secret, env, masks, file);
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { env, masks, remove };
}

async function bind(binding: Binding, secret: CredentialSecret, env: Record<string, string>, masks: string[], file: (name: string, content: Buffer) => Promise<string>): Promise<void> {
  switch (binding.kind) {
    case 'string':
      if (secret.kind !== 'secretText') return;
      env[binding.variable] = secret.secret;
      masks.push(...maskedForms(secret.secret));
      return;
    case 'usernamePassword':
      if (secret.kind !== 'usernamePassword') return;
      env[binding.usernameVariable] = secret.username;
      env[binding.passwordVariable] = secret.password;
      masks.push(...maskedForms(secret.password));
      return;
    case 'usernameColonPassword':
      if (secret.kind !== 'usernamePassword') return;
      env[binding.variable] = `${secret.username}:${secret.password}`;
      masks.push(...maskedForms(`${secret.username}:${secret.password}`), ...maskedForms(secret.password));
      return;
    case 'file': {
      if (secret.kind !== 'secretFile') return;
      const content = Buffer.from(secret.content, 'base64');
      env[binding.variable] = await file(secret.fileName, content);
      const text = content.toString('utf8');
      // The content too, when it is text: a build that prints the file should not show it.
      if (!text.includes('\uFFFD')) masks.push(...maskedForms(text.replace(/\n$/, '')));
      return;
    }
    case 'sshUserPrivateKey': {
      if (secret.kind !== 'sshPrivateKey') return;
      const key = secret.privateKey.endsWith('\n') ? secret.privateKey : `${secret.privateKey}\n`;
      env[binding.keyFileVariable] = await file(`${secret.id.replace(/[^A-Za-z0-9._-]/g, '_')}.key`, Buffer.from(key, 'utf8'));
      masks.push(...maskedForms(secret.privateKey.replace(/\n$/, '')));
      if (binding.usernameVariable) env[binding.usernameVariable] = secret.username;
      if (binding.passphraseVariable) {
        env[binding.passphraseVariable] = secret.passphrase ?? '';
        masks.push(...maskedForms(secret.passphrase ?? ''));
      }
      return;
    }
  }
}
