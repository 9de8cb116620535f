import type { Credentials } from '../auth/credentials.js';
import { DomainError } from '../core/errors.js';
import type { Folder } from '../core/item.js';
import { nameKey } from '../core/item-name.js';
import type { Items } from '../items/items.js';
import type { CredentialDeclaration } from './config-file.js';

/**
 * Brings the credentials a configuration file declares to their declared values: created when
 * missing, replaced when present (a secret field left out keeps the stored value). Credentials the
 * file does not declare are left alone. A store's credentials are applied as soon as its folder
 * exists (`apply(folder)`, the system store's with null, before any job), so the file's jobs can bind
 * them; `applyRest` then takes those of folders the file does not declare.
 */
export class CredentialDeclarations {
  private readonly done = new Set<CredentialDeclaration>();

  constructor(
    private readonly declared: readonly CredentialDeclaration[],
    private readonly deps: { readonly credentials: Credentials; readonly items: Items },
  ) {}

  async apply(folder: Folder | null): Promise<void> {
    for (const one of this.declared) {
      if (this.done.has(one) || (one.folder === undefined ? folder !== null : folder === null || nameKey(one.folder) !== nameKey(folder.fullName))) continue;
      await this.put(one, folder);
    }
  }

  async applyRest(): Promise<void> {
    for (const one of this.declared) {
      if (this.done.has(one)) continue;
      const folder = one.folder === undefined ? null : await this.deps.items.get(one.folder);
      if (folder && folder.kind !== 'folder') throw new DomainError('parent_not_folder', `Credential ${one.id} is declared in ${folder.fullName}, which is a job: only folders have credential stores.`);
      await this.put(one, folder as Folder | null);
    }
  }

  private async put(one: CredentialDeclaration, folder: Folder | null): Promise<void> {
    this.done.add(one);
    const { folder: _folder, ...input } = one;
    const folderId = folder?.id ?? null;
    const exists = (await this.deps.credentials.list(folderId)).some((credential) => credential.id === one.id);
    if (!exists) {
      await this.deps.credentials.create(folderId, input);
      return;
    }
    const keep = (value: string | undefined) => value ?? null;
    await this.deps.credentials.update(folderId, one.id, { ...input, password: keep(input.password), secret: keep(input.secret), content: keep(input.content), privateKey: keep(input.privateKey), passphrase: keep(input.passphrase) });
  }
}
