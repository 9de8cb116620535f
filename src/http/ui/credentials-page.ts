import { html } from 'hono/html';
import type { CredentialInput } from '../../auth/credentials.js';
import { CREDENTIAL_KIND_TITLES, CREDENTIAL_KINDS, type CredentialKind, type StoredCredential } from '../../core/credential.js';
import { DomainError } from '../../core/errors.js';
import { Permissions } from '../../core/permissions.js';
import type { RequestInput } from '../body.js';
import { type CredentialStoreRef, credentialDisplayName, storePath } from '../jenkins/credential-store.js';
import type { Scope } from '../jenkins/scope.js';
import { select, textArea, textField } from './fields.js';
import { crumbField, type Html, renderPage } from './page.js';
import { itemPath } from '../../core/item-url.js';
import { formError } from './manage/admin.js';

/**
 * The pages of a credential store (the system store under Manage, a folder's from its page): the
 * credentials with Delete, a form to add one, and one page per credential to change it. A secret is
 * never shown again, not even masked: the forms say "set" and take a new value to replace it, an
 * empty field keeping the stored one. Every write goes through the same service and permission
 * checks as the credentials plugin's API.
 */
export async function storePage(scope: Scope, ref: CredentialStoreRef): Promise<Response> {
  scope.check(Permissions.CredentialsView, ref.folder ?? undefined);
  return renderStore(scope, ref, { kind: 'secretText', values: {} });
}

export async function createFromForm(scope: Scope, ref: CredentialStoreRef): Promise<Response> {
  scope.check(Permissions.CredentialsCreate, ref.folder ?? undefined);
  const input = await scope.readInput();
  const form = formOf(input);
  try {
    const credential = await scope.deps.credentials.create(ref.folder?.id ?? null, inputOf(form, false));
    await auditChange(scope, ref, 'credential.create', credential);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return renderStore(scope, ref, form, error);
  }
  return scope.redirect(`${storePath(ref)}domain/_/?done=created`, 303);
}

export async function credentialPage(scope: Scope, ref: CredentialStoreRef, id: string): Promise<Response> {
  scope.check(Permissions.CredentialsView, ref.folder ?? undefined);
  const credential = await scope.deps.credentials.get(ref.folder?.id ?? null, id);
  return renderCredential(scope, ref, credential, { kind: credential.kind, values: { description: credential.description, username: credential.username ?? '', fileName: credential.fileName ?? '' } });
}

export async function updateFromForm(scope: Scope, ref: CredentialStoreRef, id: string): Promise<Response> {
  scope.check(Permissions.CredentialsUpdate, ref.folder ?? undefined);
  const current = await scope.deps.credentials.get(ref.folder?.id ?? null, id);
  const form = { ...formOf(await scope.readInput()), kind: current.kind };
  try {
    const credential = await scope.deps.credentials.update(ref.folder?.id ?? null, id, { ...inputOf(form, true), id });
    await auditChange(scope, ref, 'credential.update', credential);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return renderCredential(scope, ref, current, form, error);
  }
  return scope.redirect(`${storePath(ref)}domain/_/?done=updated`, 303);
}

interface CredentialForm {
  readonly kind: CredentialKind;
  readonly values: Readonly<Record<string, string>>;
}

const SECRET_FIELDS = ['password', 'secret', 'content', 'privateKey', 'passphrase'] as const;

function formOf(input: RequestInput): CredentialForm {
  const value = (name: string) => (input.parameters.get(name)?.[0] ?? '').replace(/\r\n/g, '\n');
  const kind = CREDENTIAL_KINDS.find((one) => one === value('kind')) ?? 'secretText';
  return { kind, values: Object.fromEntries(['id', 'description', 'username', 'fileName', ...SECRET_FIELDS].map((name) => [name, value(name)])) };
}

/** What the form asks for; on an update an empty secret field keeps the stored value. A file is typed as text and stored as its bytes. */
function inputOf(form: CredentialForm, keepEmpty: boolean): CredentialInput {
  const v = form.values;
  const secret = (name: (typeof SECRET_FIELDS)[number]) => (v[name] === '' && keepEmpty ? null : (v[name] ?? ''));
  const content = secret('content');
  return {
    id: (v.id ?? '').trim(),
    kind: form.kind,
    description: v.description ?? '',
    username: (v.username ?? '').trim(),
    fileName: (v.fileName ?? '').trim(),
    password: secret('password'),
    secret: secret('secret'),
    content: content === null ? null : Buffer.from(content, 'utf8').toString('base64'),
    privateKey: secret('privateKey'),
    passphrase: secret('passphrase'),
  };
}

function auditChange(scope: Scope, ref: CredentialStoreRef, action: 'credential.create' | 'credential.update', credential: StoredCredential): Promise<void> {
  return scope.deps.audit.recordNow(scope.audit({ action, outcome: 'accepted', item: ref.folder?.fullName ?? null, detail: { credential: credential.id, kind: credential.kind, store: ref.folder ? 'folder' : 'system' } }));
}

function titleOf(ref: CredentialStoreRef): string {
  return ref.folder ? `Credentials of ${ref.folder.fullName}` : 'Credentials';
}

function trailOf(ref: CredentialStoreRef): Array<readonly [string, string]> {
  return ref.folder ? [['Dashboard', '/'], [ref.folder.fullName, `/${itemPath(ref.folder.fullName)}`]] : [['Dashboard', '/'], ['Manage Steward', '/manage/']];
}

/** The fields of one kind; `stored` says a secret is set and may be replaced. */
function kindFields(form: CredentialForm, stored: boolean, error: DomainError | null): Html {
  const v = form.values;
  const errorOn = (name: string) => (error?.field === name ? error.message : null);
  const secretHint = stored ? 'Set. Leave empty to keep it; type a new value to replace it.' : undefined;
  const secretField = (name: string, label: string) => textField({ name, label, type: 'password', autocomplete: 'new-password', hint: secretHint, error: errorOn(name) });
  switch (form.kind) {
    case 'usernamePassword':
      return html`${textField({ name: 'username', label: 'Username', value: v.username ?? '', autocomplete: 'off', error: errorOn('username') })}${secretField('password', 'Password')}`;
    case 'secretText':
      return secretField('secret', 'Secret');
    case 'secretFile':
      return html`${textField({ name: 'fileName', label: 'File name', value: v.fileName ?? '', error: errorOn('fileName') })}${textArea({ name: 'content', label: 'File content', rows: 6, hint: stored ? 'Set. Leave empty to keep it; paste new content to replace it.' : 'Paste the file (text). Binary files: use the API with base64.', error: errorOn('content') })}`;
    case 'sshPrivateKey':
      return html`${textField({ name: 'username', label: 'Username', value: v.username ?? '', autocomplete: 'off', error: errorOn('username') })}${textArea({ name: 'privateKey', label: 'Private key', rows: 6, hint: stored ? 'Set. Leave empty to keep it; paste a new key to replace it.' : 'Paste the key, BEGIN and END lines included.', error: errorOn('privateKey') })}${secretField('passphrase', 'Passphrase')}`;
  }
}

function generalError(error: DomainError | null): Html {
  return formError(error && !error.field && error.code !== 'credential_exists' ? `${error.message}${error.hint ? ` ${error.hint}` : ''}` : null);
}

function notice(scope: Scope): Html {
  const done = scope.url.searchParams.get('done');
  const text = done === 'created' ? 'The credential is saved. Its secret is not shown again.' : done === 'updated' ? 'The credential is saved.' : null;
  return text ? html`<p class="notice" role="status">${text}</p>` : html``;
}

async function renderStore(scope: Scope, ref: CredentialStoreRef, form: CredentialForm, error: DomainError | null = null): Promise<Response> {
  const base = `/${storePath(ref)}domain/_/`;
  const credentials = await scope.deps.credentials.list(ref.folder?.id ?? null);
  const where = ref.folder ?? undefined;
  const mayCreate = scope.deps.authorizer.has(scope.principal, Permissions.CredentialsCreate, where);
  const mayDelete = scope.deps.authorizer.has(scope.principal, Permissions.CredentialsDelete, where);
  const row = (credential: StoredCredential) => html`<tr>
<th scope="row"><a href="${base}credential/${encodeURIComponent(credential.id)}/">${credential.id}</a></th>
<td>${CREDENTIAL_KIND_TITLES[credential.kind]}</td>
<td>${credentialDisplayName(credential)}</td>
<td>${mayDelete ? html`<form method="post" action="${base}credential/${encodeURIComponent(credential.id)}/doDelete" class="inline">${crumbField(scope)}<button type="submit" class="danger">Delete<span class="visually-hidden"> ${credential.id}</span></button></form>` : ''}</td>
</tr>`;
  return renderPage(scope, {
    title: titleOf(ref),
    trail: trailOf(ref),
    status: error ? (error.code === 'credential_exists' ? 409 : 400) : 200,
    reason: error?.code,
    body: html`${notice(scope)}
<p>${ref.folder ? `Only jobs inside ${ref.folder.fullName} may use these credentials.` : 'Any job may use these credentials, when whoever configures it holds Credentials/UseItem.'} Jobs bind them by id (<code>SecretBuildWrapper</code> in config.xml; see docs/credentials.md).</p>
<section aria-labelledby="credentials-title"><h2 id="credentials-title">Stored credentials</h2>
${credentials.length === 0 ? html`<p class="muted">There are no credentials here.</p>` : html`<table class="admin-table credentials"><thead><tr><th scope="col">Id</th><th scope="col">Kind</th><th scope="col">Name</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${credentials.map(row)}</tbody></table>`}
</section>
${
  mayCreate
    ? html`<section aria-labelledby="add-title"><h2 id="add-title">Add a credential</h2>
<form method="get" action="${base}" class="panel inline">${select({ name: 'kind', label: 'Kind', choices: CREDENTIAL_KINDS.map((kind) => [kind, CREDENTIAL_KIND_TITLES[kind]] as const), value: kindOfQuery(scope, form) })}<button type="submit">Choose</button></form>
<form method="post" action="${base}newCredentials" class="panel">
${crumbField(scope)}${generalError(error)}
<input type="hidden" name="kind" value="${kindOfQuery(scope, form)}">
${textField({ name: 'id', label: 'Id', value: form.values.id ?? '', required: true, autocomplete: 'off', hint: 'What jobs name it by: no "/"; unique in this store.', error: error?.field === 'id' || error?.code === 'credential_exists' ? error.message : null })}
${textField({ name: 'description', label: 'Description', value: form.values.description ?? '' })}
${kindFields({ ...form, kind: kindOfQuery(scope, form) }, false, error)}
<div class="actions"><button type="submit" class="primary">Add credential</button></div>
</form></section>`
    : ''
}`,
  });
}

/** The kind the add form shows: chosen with ?kind=, else the one just sent. */
function kindOfQuery(scope: Scope, form: CredentialForm): CredentialKind {
  return CREDENTIAL_KINDS.find((kind) => kind === scope.url.searchParams.get('kind')) ?? form.kind;
}

function renderCredential(scope: Scope, ref: CredentialStoreRef, credential: StoredCredential, form: CredentialForm, error: DomainError | null = null): Promise<Response> {
  const base = `/${storePath(ref)}domain/_/credential/${encodeURIComponent(credential.id)}/`;
  const mayUpdate = scope.deps.authorizer.has(scope.principal, Permissions.CredentialsUpdate, ref.folder ?? undefined);
  return renderPage(scope, {
    title: `${titleOf(ref)} » ${credential.id}`,
    trail: [...trailOf(ref), [titleOf(ref), `/${storePath(ref)}domain/_/`]],
    status: error ? 400 : 200,
    reason: error?.code,
    body: html`<dl class="facts"><dt>Kind</dt><dd>${CREDENTIAL_KIND_TITLES[credential.kind]}</dd><dt>Secret</dt><dd>set</dd></dl>
${
  mayUpdate
    ? html`<form method="post" action="${base}updateSubmit" class="panel">
${crumbField(scope)}${generalError(error)}
${textField({ name: 'description', label: 'Description', value: form.values.description ?? '' })}
${kindFields(form, true, error)}
<div class="actions"><button type="submit" class="primary">Save</button></div>
</form>`
    : ''
}`,
  });
}
