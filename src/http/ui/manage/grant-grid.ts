import { html } from 'hono/html';
import { ANONYMOUS_SID, AUTHENTICATED_SID, type Grant, readGrants, type Sid } from '../../../core/access.js';
import { DomainError } from '../../../core/errors.js';
import type { Permission } from '../../../core/permissions.js';
import type { RequestInput } from '../../body.js';
import type { Scope } from '../../jenkins/scope.js';
import { scrollBox } from '../format.js';
import type { Html } from '../page.js';
import { field, values } from './admin.js';

/**
 * The permission matrix as a form: one row per sid holding grants in one scope (server-wide, or one
 * folder or job), one checkbox column per permission, and a row to add a sid. The form is read back
 * into `{sid: [permission ids]}`, the shape the native API takes, and checked by the domain's
 * `readGrants`; this file adds only what concerns the form itself (a name without a tick, or ticks
 * without a name).
 */
export interface GridModel {
  readonly rows: ReadonlyArray<{ readonly sid: string; readonly granted: ReadonlySet<string> }>;
  /** The add row, as typed: a user id, `group:NAME`, `anonymous` or `authenticated`. */
  readonly newSid: string;
  readonly newGranted: ReadonlySet<string>;
}

/** Where a grid submission went wrong: beside the add row's name (`newSid`), or for the whole form. */
export interface GridError {
  readonly field: 'newSid' | null;
  readonly message: string;
  readonly hint: string | null;
  /** The reason code sent with the 400 (`X-Steward-Reason`); `grant_invalid` when unset. */
  readonly code?: string;
}

const NEW_SID_HINT = 'a user id, group:NAME, anonymous (callers without credentials; holds for everyone) or authenticated (every signed-in user).';

function rank(sid: string): number {
  if (sid === ANONYMOUS_SID) return 0;
  if (sid === AUTHENTICATED_SID) return 1;
  return sid.startsWith('user:') ? 2 : 3;
}

/** The grid of the grants held in one scope, with an empty add row. */
export function gridOf(grants: readonly Grant[]): GridModel {
  const bySid = new Map<string, Set<string>>();
  for (const grant of grants) {
    let granted = bySid.get(grant.sid);
    if (!granted) bySid.set(grant.sid, (granted = new Set()));
    granted.add(grant.permission.id);
  }
  const rows = [...bySid.entries()].map(([sid, granted]) => ({ sid, granted })).sort((a, b) => rank(a.sid) - rank(b.sid) || a.sid.localeCompare(b.sid));
  return { rows, newSid: '', newGranted: new Set() };
}

/** The grid as submitted: each row's sid comes back in a hidden field, each tick as "SID PERMISSION-ID". */
export function gridFrom(input: RequestInput): GridModel {
  const ticks = values(input, 'grant').map((tick) => tick.split(' '));
  const rows = [...new Set(values(input, 'row'))].map((sid) => ({ sid, granted: new Set(ticks.filter(([tickSid]) => tickSid === sid).map(([, id]) => id ?? '')) }));
  return { rows, newSid: field(input, 'newSid'), newGranted: new Set(values(input, 'newGrant')) };
}

/** A sid as people type it in the add row: a bare name is a user id. */
function typedSid(text: string): string {
  const lower = text.toLowerCase();
  return text.includes(':') || lower === ANONYMOUS_SID || lower === AUTHENTICATED_SID ? text : `user:${text}`;
}

/**
 * The grants a submitted grid asks for, read by the domain (`readGrants`, which refuses a sid that is
 * not one, an unknown permission, and an Overall permission on a folder or job), or what is wrong.
 */
export function grantsOf(model: GridModel, itemId: number | null, where: string): { grants: Grant[] } | { error: GridError } {
  const written: Record<string, string[]> = {};
  for (const row of model.rows) written[row.sid] = [...row.granted];
  if (model.newSid !== '' && model.newGranted.size === 0) {
    return { error: { field: 'newSid', message: `Tick at least one permission for ${model.newSid}, or leave the name empty.`, hint: null } };
  }
  if (model.newSid === '' && model.newGranted.size > 0) {
    return { error: { field: 'newSid', message: 'Name the user or group that the ticked permissions of the new row are for.', hint: `Type ${NEW_SID_HINT}` } };
  }
  if (model.newSid !== '') {
    const sid = typedSid(model.newSid);
    written[sid] = [...(written[sid] ?? []), ...model.newGranted];
  }
  try {
    return { grants: readGrants(written, itemId, where) };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const aboutNew = model.newSid !== '' && error.message.includes(`"${typedSid(model.newSid)}"`);
    return { error: { field: aboutNew ? 'newSid' : null, message: error.message, hint: error.hint ?? null, code: error.code } };
  }
}

/** How a sid reads in a row header and in each checkbox's name: "dev", "group ops", "anonymous". */
export function sidLabel(sid: Sid): string {
  if (sid.startsWith('user:')) return sid.slice('user:'.length);
  if (sid.startsWith('group:')) return `group ${sid.slice('group:'.length)}`;
  return sid;
}

/** A note on a row whose user does not exist or whose group has no member: such a grant holds for nobody yet. */
export async function sidNotes(scope: Scope): Promise<(sid: string) => string | null> {
  const users = await scope.deps.accounts.list();
  const ids = new Set(users.map((user) => user.id.toLowerCase()));
  const groups = new Set(users.flatMap((user) => user.groups.map((group) => group.toLowerCase())));
  return (sid) => {
    if (sid.startsWith('user:') && !ids.has(sid.slice(5))) return 'no such user';
    if (sid.startsWith('group:') && !groups.has(sid.slice(6))) return 'no user is in this group';
    return null;
  };
}

/** The permissions in column groups: Overall, Job, Run, View. */
function columnGroups(permissions: readonly Permission[]): Array<readonly [string, Permission[]]> {
  const groups = new Map<string, Permission[]>();
  for (const permission of permissions) {
    const group = permission.title.split('/')[0] as string;
    groups.set(group, [...(groups.get(group) ?? []), permission]);
  }
  return [...groups.entries()];
}

function head(permissions: readonly Permission[], first: string): Html {
  const groups = columnGroups(permissions);
  return html`<colgroup><col></colgroup>${groups.map(([, members]) => html`<colgroup span="${members.length}" class="permission-group"></colgroup>`)}
<thead>
<tr><td></td>${groups.map(([group, members]) => html`<th scope="colgroup" colspan="${members.length}">${group}</th>`)}</tr>
<tr><th scope="col">${first}</th>${permissions.map((permission) => html`<th scope="col" title="${permission.title} (${permission.id})">${permission.title.split('/')[1]}</th>`)}</tr>
</thead>`;
}

function tick(id: string, name: string, value: string, checked: boolean, label: string): Html {
  return html`<td><input type="checkbox" id="${id}" name="${name}" value="${value}"${checked ? html` checked` : ''}><label for="${id}"><span class="visually-hidden">${label}</span></label></td>`;
}

/** The editable grid, to be placed inside a form that also carries the crumb and a Save button. */
export function grantGrid(options: {
  readonly model: GridModel;
  readonly permissions: readonly Permission[];
  readonly caption: string;
  readonly error: GridError | null;
  readonly note: (sid: string) => string | null;
}): Html {
  const { model, permissions, error } = options;
  const rows = model.rows.map((row, index) => {
    const label = sidLabel(row.sid);
    const note = options.note(row.sid);
    return html`<tr><th scope="row">${label}${note ? html` <span class="muted">(${note})</span>` : ''}<input type="hidden" name="row" value="${row.sid}"></th>${permissions.map((permission, column) =>
      tick(`grant-${index}-${column}`, 'grant', `${row.sid} ${permission.id}`, row.granted.has(permission.id), `${label}: ${permission.title}`),
    )}</tr>`;
  });
  const newError = error?.field === 'newSid' ? error.message : null;
  const described = ['newSid-hint', newError ? 'newSid-error' : ''].filter((id) => id !== '').join(' ');
  const addRow = html`<tr class="add-row"><th scope="row"><label for="newSid">Add a user or group</label><input type="text" id="newSid" name="newSid" value="${model.newSid}" aria-describedby="${described}"${newError ? html` aria-invalid="true"` : ''}>${newError ? html`<p class="field-error" id="newSid-error">${newError}</p>` : ''}</th>${permissions.map((permission, column) =>
    tick(`new-${column}`, 'newGrant', permission.id, model.newGranted.has(permission.id), `New user or group: ${permission.title}`),
  )}</tr>`;
  return html`${scrollBox('matrix-scroll', `Table: ${options.caption}`, html`<table class="matrix"><caption class="visually-hidden">${options.caption}</caption>${head(permissions, 'User or group')}<tbody>${rows}${addRow}</tbody></table>`)}<p class="hint" id="newSid-hint">To add a user or group, type in the last row ${NEW_SID_HINT}</p>`;
}

/** A read-only grid (grants inherited from an enclosing folder). */
export function grantTable(options: { readonly model: GridModel; readonly permissions: readonly Permission[]; readonly caption: string }): Html {
  const rows = options.model.rows.map(
    (row) =>
      html`<tr><th scope="row">${sidLabel(row.sid)}</th>${options.permissions.map((permission) =>
        row.granted.has(permission.id) ? html`<td><span aria-hidden="true">✓</span><span class="visually-hidden">${sidLabel(row.sid)}: ${permission.title}</span></td>` : html`<td></td>`,
      )}</tr>`,
  );
  return scrollBox('matrix-scroll', `Table: ${options.caption}`, html`<table class="matrix"><caption>${options.caption}</caption>${head(options.permissions, 'User or group')}<tbody>${rows}</tbody></table>`);
}
