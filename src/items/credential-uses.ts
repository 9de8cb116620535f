import type { Configurer } from './configurer.js';
import { type CredentialUse, credentialIdsOf } from '../core/binding.js';
import { CREDENTIAL_KIND_TITLES, nearest } from '../core/credential.js';
import { DomainError } from '../core/errors.js';
import type { Item, JobSettings } from '../core/item.js';
import type { Store } from '../store/types.js';


/**
 * Checks the credentials a job's settings name (`credentialIdsOf`: its bindings, its checkout) when
 * it is saved: each must exist where a job below `ancestorIds` may use it (the system store, or an
 * enclosing folder's), be of the kind the setting takes, and the configurer must hold
 * Credentials/UseItem. Only ids the job did not already use are checked, so that disabling a job, or
 * saving an unrelated change, still works after a credential it uses was deleted (its builds then
 * fail, saying so). One read of the store, for the new ids only.
 */
export async function checkCredentialUses(
  store: Store,
  settings: JobSettings,
  previous: JobSettings | null,
  ancestorIds: readonly number[],
  where: Item | null,
  configurer: Configurer | null,
): Promise<void> {
  const before = new Set(previous ? credentialIdsOf(previous).map((use) => use.id) : []);
  const uses = credentialIdsOf(settings).filter((use) => !before.has(use.id));
  if (uses.length === 0) return;
  const first = uses[0] as CredentialUse;
  if (configurer && !configurer.mayUseCredentials(where)) {
    throw new DomainError(
      'config_invalid',
      `${configurer.name} may not use credential "${first.id}" in a job${where ? ` in ${where.fullName}` : ''}: that needs Credentials/UseItem.`,
      'Ask an administrator for Credentials/UseItem on the folder (or server-wide), or leave the credential out.',
    ).at(first.field);
  }
  const found = await store.credentials.findUsable([...new Set(uses.map((use) => use.id))], ancestorIds);
  for (const use of uses) {
    const credential = nearest(found.filter((candidate) => candidate.id === use.id), ancestorIds);
    if (!credential) {
      throw new DomainError(
        'config_invalid',
        `There is no credential "${use.id}" that a job ${where ? `in ${where.fullName}` : 'at the top level'} may use (${use.field}).`,
        "Create it in the system store or in an enclosing folder's store first (a folder's credentials are for jobs inside that folder only).",
      ).at(use.field);
    }
    if (use.kind !== null && credential.kind !== use.kind) {
      throw new DomainError(
        'config_invalid',
        `Credential "${use.id}" is a ${CREDENTIAL_KIND_TITLES[credential.kind]} credential; ${use.field} takes a ${CREDENTIAL_KIND_TITLES[use.kind]} one.`,
        'Pick a credential of the kind the binding takes, or another binding.',
      ).at(use.field);
    }
  }
}
