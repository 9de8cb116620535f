import type { CredentialInput } from '../../auth/credentials.js';
import { CREDENTIAL_KIND_TITLES, type StoredCredential } from '../../core/credential.js';
import { type CredentialStoreRef, credentialDisplayName, storePath } from './credential-store.js';
import { createFromForm, credentialPage, storePage, updateFromForm } from '../ui/credentials-page.js';
import { DomainError } from '../../core/errors.js';
import type { Folder } from '../../core/item.js';
import { type Permission, Permissions } from '../../core/permissions.js';
import { Refusal } from '../errors.js';
import { type Bean, bean } from './export/bean.js';
import { serveApi } from './export/api.js';
import { isFlavor } from './queue.js';
import { parseCredentialXml, renderCredentialXml } from './credential-xml.js';
import type { Scope } from './scope.js';

const DOMAIN_CLASS = 'com.cloudbees.plugins.credentials.CredentialsStoreAction$DomainWrapper';
const CREDENTIAL_CLASS = 'com.cloudbees.plugins.credentials.CredentialsStoreAction$CredentialsWrapper';

/**
 * The credentials plugin's URL space below `/credentials/` (system) and `/job/F/credentials/`
 * (folder): `store/{system|folder}/domain/_/` with `createCredentials`, `api/json`, and
 * `credential/ID/` with `config.xml` (GET redacted, POST update, DELETE), `doDelete` and `api/json`.
 * Only the global domain `_` exists. Statuses are the plugin's: 200 for a create, 409 when the id is
 * taken, 200 for an update or a DELETE, 302 for `doDelete`. Returns null for anything else (404).
 */
export async function serveCredentials(scope: Scope, folder: Folder | null, rest: readonly string[]): Promise<Response | null> {
  const [store, storeName, domainWord, domain, ...action] = rest;
  if (store !== 'store' || storeName !== (folder ? 'folder' : 'system') || domainWord !== 'domain' || domain === undefined) return null;
  if (domain !== '_') {
    throw new DomainError('credential_not_found', `There is no credentials domain "${domain}": Steward has only the global domain.`, 'Use …/domain/_/ (the global domain).');
  }
  const ref: CredentialStoreRef = { folder };
  const [head, id, tail, flavor, ...more] = action;
  if (head === undefined) return scope.method === 'GET' ? storePage(scope, ref) : null;
  if (head === 'newCredentials' && id === undefined) {
    if (scope.method !== 'POST') throw methodNotAllowed('POST');
    return createFromForm(scope, ref);
  }
  if (head === 'api' && isFlavor(id) && tail === undefined) {
    check(scope, ref, Permissions.CredentialsView);
    return serveApi(scope.c, domainBean(scope, ref), id);
  }
  if (head === 'createCredentials' && id === undefined) {
    if (scope.method !== 'POST') throw methodNotAllowed('POST');
    return create(scope, ref);
  }
  if (head !== 'credential' || id === undefined || more.length > 0) return null;
  if (tail === undefined && scope.method === 'GET') return credentialPage(scope, ref, id);
  if (tail === 'updateSubmit' && flavor === undefined) {
    if (scope.method !== 'POST') throw methodNotAllowed('POST');
    return updateFromForm(scope, ref, id);
  }
  if (tail === 'config.xml' && flavor === undefined) {
    if (scope.method === 'GET') {
      check(scope, ref, Permissions.CredentialsView);
      const credential = await scope.deps.credentials.get(folder?.id ?? null, id);
      return new Response(renderCredentialXml(credential), { status: 200, headers: { 'Content-Type': 'application/xml;charset=UTF-8' } });
    }
    if (scope.method === 'POST') return update(scope, ref, id);
    if (scope.method === 'DELETE') {
      await remove(scope, ref, id);
      return new Response(null, { status: 200 });
    }
    throw methodNotAllowed('GET, POST, DELETE');
  }
  if (tail === 'doDelete' && flavor === undefined) {
    if (scope.method !== 'POST') throw methodNotAllowed('POST');
    await remove(scope, ref, id);
    return scope.redirect(`${storePath(ref)}domain/_/`);
  }
  if (tail === 'api' && isFlavor(flavor)) {
    check(scope, ref, Permissions.CredentialsView);
    return serveApi(scope.c, credentialBean(ref, await scope.deps.credentials.get(folder?.id ?? null, id)), flavor);
  }
  return null;
}

function check(scope: Scope, ref: CredentialStoreRef, permission: Permission): void {
  scope.check(permission, ref.folder ?? undefined);
}

function methodNotAllowed(allowed: string): Refusal {
  return new Refusal('method_not_allowed', `This URL requires ${allowed}.`, `Use ${allowed}.`, { Allow: allowed });
}

async function readCredential(scope: Scope): Promise<CredentialInput> {
  const input = await scope.readInput();
  if (!(input.contentType.startsWith('application/xml') || input.contentType.startsWith('text/xml'))) {
    throw new Refusal('media_type_unsupported', "A credential is sent as its XML (Content-Type: application/xml).", 'Send the credential as XML, e.g. curl -H "Content-Type: application/xml" --data-binary @credential.xml.');
  }
  return parseCredentialXml(input.text);
}

async function create(scope: Scope, ref: CredentialStoreRef): Promise<Response> {
  check(scope, ref, Permissions.CredentialsCreate);
  const input = await readCredential(scope);
  const credential = await scope.deps.credentials.create(ref.folder?.id ?? null, input);
  await audit(scope, ref, 'credential.create', credential);
  return new Response(null, { status: 200 });
}

async function update(scope: Scope, ref: CredentialStoreRef, id: string): Promise<Response> {
  check(scope, ref, Permissions.CredentialsUpdate);
  const input = await readCredential(scope);
  const credential = await scope.deps.credentials.update(ref.folder?.id ?? null, id, input);
  await audit(scope, ref, 'credential.update', credential);
  return new Response(null, { status: 200 });
}

async function remove(scope: Scope, ref: CredentialStoreRef, id: string): Promise<void> {
  check(scope, ref, Permissions.CredentialsDelete);
  const credential = await scope.deps.credentials.get(ref.folder?.id ?? null, id);
  await scope.deps.credentials.delete(ref.folder?.id ?? null, id);
  await audit(scope, ref, 'credential.delete', credential);
}

/** Who changed which credential where: the id and kind, never a secret. */
function audit(scope: Scope, ref: CredentialStoreRef, action: 'credential.create' | 'credential.update' | 'credential.delete', credential: StoredCredential): Promise<void> {
  return scope.deps.audit.recordNow(scope.audit({ action, outcome: 'accepted', item: ref.folder?.fullName ?? null, detail: { credential: credential.id, kind: credential.kind, store: ref.folder ? 'folder' : 'system' } }));
}

function credentialBean(ref: CredentialStoreRef, credential: StoredCredential): Bean {
  const domainName = ref.folder ? 'folder/_' : 'system/_';
  return bean(CREDENTIAL_CLASS, [
    ['description', 2, () => credential.description],
    ['displayName', 2, () => credentialDisplayName(credential)],
    ['fingerprint', 2, () => null],
    ['fullName', 2, () => `${domainName}/${credential.id}`],
    ['id', 2, () => credential.id],
    ['typeName', 2, () => CREDENTIAL_KIND_TITLES[credential.kind]],
  ]);
}

function domainBean(scope: Scope, ref: CredentialStoreRef): Bean {
  return bean(DOMAIN_CLASS, [
    ['credentials', 1, async () => (await scope.deps.credentials.list(ref.folder?.id ?? null)).map((credential) => credentialBean(ref, credential))],
    ['description', 1, () => 'Credentials that should be available irrespective of domain specification to requirements matching.'],
    ['displayName', 1, () => 'Global credentials (unrestricted)'],
    ['fullDisplayName', 1, () => `${ref.folder ? `${ref.folder.fullName} » Folder` : 'System'} » Global credentials (unrestricted)`],
    ['fullName', 1, () => (ref.folder ? 'folder/_' : 'system/_')],
    ['global', 1, () => true],
    ['urlName', 1, () => '_'],
  ]);
}
