import type { StoredCredential } from '../../core/credential.js';
import type { Folder } from '../../core/item.js';

/** Which store a URL names: the system store (`/credentials/store/system`) or a folder's (`/job/F/credentials/store/folder`). */
export interface CredentialStoreRef {
  readonly folder: Folder | null;
}

/** Where a store lives below the root, ending in `/`. */
export function storePath(ref: CredentialStoreRef): string {
  return ref.folder ? `${ref.folder.fullName.split('/').map((name) => `job/${encodeURIComponent(name)}/`).join('')}credentials/store/folder/` : 'credentials/store/system/';
}

/** How Jenkins names a credential in lists (`CredentialsNameProvider`): never a secret. */
export function credentialDisplayName(credential: StoredCredential): string {
  const described = credential.description === '' ? '' : ` (${credential.description})`;
  switch (credential.kind) {
    case 'usernamePassword':
    case 'sshPrivateKey':
      return `${credential.username ?? ''}${credential.kind === 'usernamePassword' ? '/******' : ''}${described}`;
    case 'secretFile':
      return `${credential.fileName ?? ''}${described}`;
    case 'secretText':
      return credential.description === '' ? credential.id : credential.description;
  }
}
