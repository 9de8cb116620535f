import type { Credentials } from '../auth/credentials.js';
import { DomainError } from '../core/errors.js';
import type { Items } from '../items/items.js';
import type { CredentialDeclaration } from './config-file.js';

/**
 * Brings the credentials a configuration file declares to their declared values: created when
 * missing, replaced when present (a secret field left out keeps the stored value). `system` applies
 * those of the system store (before the jobs, which may bind them), else those of folders (after the
 * folders exist). Credentials the file does not declare are left alone.
 */
export async function applyCredentials(declared: readonly CredentialDeclaration[], deps: { readonly credentials: Credentials; readonly items: Items }, system: boolean): Promise<void> {
  for (const one of declared.filter((credential) => (credential.folder === undefined) === system)) {
    const { folder: folderName, ...input } = one;
    const folder = folderName === undefined ? null : await deps.items.get(folderName);
    if (folder && folder.kind !== 'folder') throw new DomainError('parent_not_folder', `Credential ${one.id} is declared in ${folder.fullName}, which is a job: only folders have credential stores.`);
    const folderId = folder?.id ?? null;
    const exists = (await deps.credentials.list(folderId)).some((credential) => credential.id === one.id);
    if (exists) {
      const keep = (value: string | undefined) => value ?? null;
      await deps.credentials.update(folderId, one.id, { ...input, password: keep(input.password), secret: keep(input.secret), content: keep(input.content), privateKey: keep(input.privateKey), passphrase: keep(input.passphrase) });
    } else {
      await deps.credentials.create(folderId, input);
    }
  }
}
