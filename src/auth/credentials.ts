import { credentialIdsOf } from '../core/binding.js';
import {
  checkCredentialId,
  type CredentialKind,
  type CredentialSecret,
  credentialSecret,
  type CredentialSecretFields,
  nearest,
  type StoredCredential,
} from '../core/credential.js';
import { DomainError } from '../core/errors.js';
import type { Job } from '../core/item.js';
import type { Store } from '../store/types.js';
import type { SecretBox } from './secret-box.js';

/**
 * A credential as a caller sends it. A secret field that is null keeps the stored value (an update
 * that sends back the redacted form); on create every secret field must be given (the passphrase may
 * be null: a key without one).
 */
export interface CredentialInput {
  readonly id: string;
  readonly kind: CredentialKind;
  readonly description: string;
  readonly username?: string | null;
  readonly fileName?: string | null;
  readonly password?: string | null;
  readonly secret?: string | null;
  /** A secret file's bytes, base64-encoded. */
  readonly content?: string | null;
  readonly privateKey?: string | null;
  /** An SSH key's passphrase; '' for none. */
  readonly passphrase?: string | null;
}

/** What a build's credentials read found: the material by id, and the ids that are gone. */
export interface ResolvedCredentials {
  readonly found: ReadonlyMap<string, CredentialSecret>;
  readonly missing: readonly string[];
}

/**
 * The credential stores: the system store (`folderId` null) and each folder's. Secret fields are
 * sealed with the server's key as one value and opened only for a build that uses the credential
 * (`forBuild`), never for an answer: listings and config.xml carry the non-secret fields only.
 */
export class Credentials {
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  list(folderId: number | null): Promise<StoredCredential[]> {
    return this.store.credentials.list(folderId);
  }

  async get(folderId: number | null, id: string): Promise<StoredCredential> {
    const credential = await this.store.credentials.get(folderId, id);
    if (!credential) throw notFound(id);
    return credential;
  }

  async create(folderId: number | null, input: CredentialInput): Promise<StoredCredential> {
    checkCredentialId(input.id);
    const at = this.now();
    const credential = this.stored(folderId, input, null, at, at);
    if (!(await this.store.credentials.create(credential))) {
      throw new DomainError('credential_exists', `There is already a credential "${input.id}" in this store.`, 'Update it through …/credential/ID/config.xml, or choose another id.').with({ id: input.id });
    }
    return credential;
  }

  /** Replaces a credential's fields; secret fields sent as null keep their stored values. Its id cannot change. */
  async update(folderId: number | null, id: string, input: CredentialInput): Promise<StoredCredential> {
    const current = await this.get(folderId, id);
    if (input.id !== id) {
      throw new DomainError('config_invalid', `The credential sent has id "${input.id}", not "${id}".`, 'Send the same id: Steward does not rename credentials (create a new one and delete the old).').at('id');
    }
    const credential = this.stored(folderId, input, current, current.createdAt, this.now());
    if (!(await this.store.credentials.update(credential))) throw notFound(id);
    return credential;
  }

  async delete(folderId: number | null, id: string): Promise<void> {
    if (!(await this.store.credentials.delete(folderId, id))) throw notFound(id);
  }

  /**
   * The credentials a build of the job uses (`credentialIdsOf` its settings), in clear: one read of
   * the store for exactly those ids, each taken from the nearest store the job may use. Ids no store
   * has any more (deleted since the job was saved) are `missing`.
   */
  async forBuild(job: Job): Promise<ResolvedCredentials> {
    const ids = [...new Set(credentialIdsOf(job.settings).map((use) => use.id))];
    if (ids.length === 0) return { found: new Map(), missing: [] };
    const candidates = await this.store.credentials.findUsable(ids, job.ancestorIds);
    const found = new Map<string, CredentialSecret>();
    const missing: string[] = [];
    for (const id of ids) {
      const credential = nearest(candidates.filter((candidate) => candidate.id === id), job.ancestorIds);
      const fields = credential ? this.secrets.unseal(credential.sealedSecret) : null;
      if (credential && fields !== null) found.set(id, credentialSecret(credential, JSON.parse(fields) as CredentialSecretFields));
      else missing.push(id);
    }
    return { found, missing };
  }

  /**
   * A secret text of the system store opened for the server's own use (the secret GitHub signs
   * `/github-webhook/` deliveries with); null when there is no such credential, or it is another kind.
   */
  async serverSecretText(id: string): Promise<string | null> {
    const credential = (await this.store.credentials.findUsable([id], [])).find((candidate) => candidate.folderId === null && candidate.id === id);
    if (!credential || credential.kind !== 'secretText') return null;
    const fields = this.secrets.unseal(credential.sealedSecret);
    return fields === null ? null : ((JSON.parse(fields) as { secret?: string }).secret ?? null);
  }

  private stored(folderId: number | null, input: CredentialInput, current: StoredCredential | null, createdAt: number, updatedAt: number): StoredCredential {
    const kept = current && current.kind === input.kind ? (JSON.parse(this.secrets.unseal(current.sealedSecret) ?? '{}') as Record<string, string | null>) : {};
    const field = (name: 'password' | 'secret' | 'content' | 'privateKey', label: string): string => {
      const value = input[name] ?? kept[name];
      if (value === undefined || value === null) {
        throw new DomainError('config_invalid', `Credential "${input.id}" needs its ${label}.`, current ? 'Send the value, or send back the redacted form to keep the stored one.' : 'Send the value.').at(name);
      }
      return value;
    };
    const username = (): string => {
      const value = input.username ?? current?.username ?? null;
      if (value === null || value === '') throw new DomainError('config_invalid', `Credential "${input.id}" needs a username.`).at('username');
      return value;
    };
    let fields: CredentialSecretFields;
    let user: string | null = null;
    let fileName: string | null = null;
    switch (input.kind) {
      case 'usernamePassword':
        user = username();
        fields = { password: field('password', 'password') };
        break;
      case 'secretText':
        fields = { secret: field('secret', 'secret') };
        break;
      case 'secretFile': {
        fileName = input.fileName ?? current?.fileName ?? null;
        if (fileName === null || fileName === '' || fileName.includes('/') || fileName === '.' || fileName === '..') {
          throw new DomainError('config_invalid', `Credential "${input.id}" needs a file name without "/".`).at('fileName');
        }
        const content = field('content', 'file content');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content.replace(/\s+/g, ''))) throw new DomainError('config_invalid', `The content of credential "${input.id}" is not base64.`).at('content');
        fields = { content: content.replace(/\s+/g, '') };
        break;
      }
      case 'sshPrivateKey': {
        user = username();
        const passphrase = input.passphrase === undefined || input.passphrase === null ? (kept.passphrase ?? null) : input.passphrase;
        fields = { privateKey: field('privateKey', 'private key'), passphrase: passphrase === '' ? null : passphrase };
        break;
      }
    }
    return {
      id: input.id,
      kind: input.kind,
      description: input.description,
      folderId,
      username: user,
      fileName,
      sealedSecret: this.secrets.seal(JSON.stringify(fields)),
      createdAt,
      updatedAt,
    };
  }
}

function notFound(id: string): DomainError {
  return new DomainError('credential_not_found', `There is no credential "${id}" in this store.`, 'List the store: …/credentials/store/system/domain/_/api/json?tree=credentials[id].').with({ id });
}

