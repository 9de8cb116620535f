import { DomainError } from './errors.js';

/**
 * A credential's secret material in clear, as a build that uses it receives it (bound into its
 * environment, or used by its checkout). Stored sealed; never in logs, API answers, audit entries or
 * error bodies. `id` is the credential's id (Jenkins' `credentialsId`), unique within its store.
 */
export type CredentialSecret =
  | { readonly kind: 'usernamePassword'; readonly id: string; readonly username: string; readonly password: string }
  | { readonly kind: 'secretText'; readonly id: string; readonly secret: string }
  /** `content` is the file's bytes, base64-encoded. */
  | { readonly kind: 'secretFile'; readonly id: string; readonly fileName: string; readonly content: string }
  | { readonly kind: 'sshPrivateKey'; readonly id: string; readonly username: string; readonly privateKey: string; readonly passphrase: string | null };

export type CredentialKind = CredentialSecret['kind'];

/**
 * A credential as it is stored: what anyone allowed to see the store may read (id, kind, description,
 * username, file name), and the secret fields sealed with the server's key as one value (the JSON of
 * `CredentialSecretFields`). `folderId` is the store it lives in: null for the system store (usable by
 * every job whose configurer may use credentials), a folder's id for that folder's store (usable only
 * by jobs inside that folder, at any depth).
 */
export interface StoredCredential {
  readonly id: string;
  readonly kind: CredentialKind;
  readonly description: string;
  readonly folderId: number | null;
  /** usernamePassword and sshPrivateKey; null for the others. */
  readonly username: string | null;
  /** secretFile; null for the others. */
  readonly fileName: string | null;
  /** The sealed JSON of the secret fields (`CredentialSecretFields`); never the fields in clear. */
  readonly sealedSecret: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The secret fields of each kind, in clear: what `StoredCredential.sealedSecret` seals. */
export type CredentialSecretFields =
  | { readonly password: string }
  | { readonly secret: string }
  | { readonly content: string }
  | { readonly privateKey: string; readonly passphrase: string | null };

export const CREDENTIAL_KINDS: readonly CredentialKind[] = ['usernamePassword', 'secretText', 'secretFile', 'sshPrivateKey'];

/** How people read each kind (Jenkins' type names). */
export const CREDENTIAL_KIND_TITLES: Readonly<Record<CredentialKind, string>> = {
  usernamePassword: 'Username with password',
  secretText: 'Secret text',
  secretFile: 'Secret file',
  sshPrivateKey: 'SSH Username with private key',
};

const MAX_ID = 200;

/**
 * Checks a credential id the way Jenkins' credentials plugin does: not empty, no slash (it is a URL
 * segment, `…/credential/ID/`), and here also at most 200 characters and no control characters.
 */
export function checkCredentialId(id: string): string {
  if (id.trim() === '' || id.includes('/') || id.length > MAX_ID || /[\u0000-\u001f\u007f]/.test(id)) {
    throw new DomainError('config_invalid', `"${id}" is not a credential id.`, `Use a non-empty id of at most ${MAX_ID} characters without "/", e.g. deploy-key.`).at('id');
  }
  return id;
}

/** Whether a job below these folders (outermost first) may use the credential: system, or an enclosing folder's. */
export function usableBelow(credential: Pick<StoredCredential, 'folderId'>, ancestorIds: readonly number[]): boolean {
  return credential.folderId === null || ancestorIds.includes(credential.folderId);
}

/**
 * Of the credentials with one id a job may use, the one it gets: the nearest enclosing folder's,
 * else the system one (a folder's credential shadows a system credential with its id).
 */
export function nearest<C extends Pick<StoredCredential, 'folderId'>>(candidates: readonly C[], ancestorIds: readonly number[]): C | null {
  let best: C | null = null;
  let depth = -2;
  for (const candidate of candidates) {
    const at = candidate.folderId === null ? -1 : ancestorIds.indexOf(candidate.folderId);
    if ((candidate.folderId === null || at >= 0) && at > depth) {
      best = candidate;
      depth = at;
    }
  }
  return best;
}

/** The material in clear, from a stored credential and its unsealed secret fields. */
export function credentialSecret(credential: StoredCredential, fields: CredentialSecretFields): CredentialSecret {
  const f = fields as Partial<Record<'password' | 'secret' | 'content' | 'privateKey' | 'passphrase', string | null>>;
  switch (credential.kind) {
    case 'usernamePassword':
      return { kind: 'usernamePassword', id: credential.id, username: credential.username ?? '', password: f.password ?? '' };
    case 'secretText':
      return { kind: 'secretText', id: credential.id, secret: f.secret ?? '' };
    case 'secretFile':
      return { kind: 'secretFile', id: credential.id, fileName: credential.fileName ?? '', content: f.content ?? '' };
    case 'sshPrivateKey':
      return { kind: 'sshPrivateKey', id: credential.id, username: credential.username ?? '', privateKey: f.privateKey ?? '', passphrase: f.passphrase ?? null };
  }
}

/** The values of a credential that are secret (what a log must never show), in clear; a secret file's content is left to the runner, which decodes it. */
export function secretValuesOf(secret: CredentialSecret): string[] {
  switch (secret.kind) {
    case 'usernamePassword':
      return [secret.password, `${secret.username}:${secret.password}`];
    case 'secretText':
      return [secret.secret];
    case 'secretFile':
      return [];
    case 'sshPrivateKey':
      return [secret.privateKey.replace(/\n$/, ''), ...(secret.passphrase ? [secret.passphrase] : [])];
  }
}
