import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { CREDENTIAL_KINDS, type CredentialKind, type StoredCredential } from '../../core/credential.js';
import { DomainError } from '../../core/errors.js';
import type { Folder } from '../../core/item.js';
import { type Permission, Permissions } from '../../core/permissions.js';
import type { Items } from '../../items/items.js';
import type { AppEnv } from '../context.js';
import type { SecurityDeps } from '../jenkins/deps.js';
import { NativeScope, iso } from './context.js';
import { json, noContent, refusals } from './responses.js';

const KIND = z.enum(CREDENTIAL_KINDS as [CredentialKind, ...CredentialKind[]]);

const CredentialSchema = z
  .object({
    id: z.string(),
    kind: KIND,
    description: z.string(),
    folder: z.string().nullable().openapi({ description: "The folder whose store holds it; null for the system store." }),
    username: z.string().nullable(),
    fileName: z.string().nullable(),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi('Credential', { description: 'A stored credential, without its secret fields (they are never shown again).' });

const CredentialInputSchema = z
  .object({
    kind: KIND,
    description: z.string().default(''),
    username: z.string().optional(),
    fileName: z.string().optional(),
    password: z.string().optional(),
    secret: z.string().optional(),
    content: z.string().optional().openapi({ description: "A secret file's bytes, base64." }),
    privateKey: z.string().optional(),
    passphrase: z.string().optional(),
  })
  .openapi('CredentialInput', { description: 'A secret field left out keeps its stored value on an update.' });

const IdParams = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'registry-token' }) });
const FolderQuery = z.object({ folder: z.string().optional().openapi({ param: { name: 'folder', in: 'query' }, description: "A folder's full name for its store; the system store without it." }) });

function view(credential: StoredCredential, folder: Folder | null) {
  return {
    id: credential.id,
    kind: credential.kind,
    description: credential.description,
    folder: folder?.fullName ?? null,
    username: credential.username,
    fileName: credential.fileName,
    createdAt: iso(credential.createdAt),
    updatedAt: iso(credential.updatedAt),
  };
}

/** The credential stores in Steward's own shapes, with the same service, permissions and audit as the credentials plugin's API. */
export function credentialRoutes(app: OpenAPIHono<AppEnv>, deps: SecurityDeps & { readonly items: Items }): void {
  /** The store a request names (the system store without `folder`), checking `permission` there when given. */
  async function storeOf(scope: NativeScope, folderName: string | undefined, permission: Permission | null): Promise<Folder | null> {
    const user = scope.user();
    const folder = folderName === undefined ? null : await deps.items.get(folderName);
    if (folder && folder.kind !== 'folder') throw new DomainError('parent_not_folder', `${folder.fullName} is a job: only folders have credential stores.`);
    if (permission) deps.authorizer.check(user, permission, (folder as Folder | null) ?? undefined);
    return folder as Folder | null;
  }

  app.openapi(
    createRoute({ method: 'get', path: '/credentials', tags: ['credentials'], summary: 'List a store (Credentials/View)', request: { query: FolderQuery }, responses: { 200: json(z.array(CredentialSchema), 'The credentials'), ...refusals(403, 404) } }),
    async (c) => {
      const folder = await storeOf(new NativeScope(c, deps), c.req.valid('query').folder, Permissions.CredentialsView);
      return c.json((await deps.credentials.list(folder?.id ?? null)).map((credential) => view(credential, folder)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/credentials/{id}',
      tags: ['credentials'],
      summary: 'Create or update a credential (Credentials/Create, or Update when it exists)',
      request: { params: IdParams, query: FolderQuery, body: { content: { 'application/json': { schema: CredentialInputSchema } }, required: true } },
      responses: { 200: json(CredentialSchema, 'The credential as stored'), ...refusals(400, 403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const folderName = c.req.valid('query').folder;
      const folder = await storeOf(scope, folderName, null);
      const exists = (await deps.credentials.list(folder?.id ?? null)).some((credential) => credential.id === id);
      deps.authorizer.check(scope.user(), exists ? Permissions.CredentialsUpdate : Permissions.CredentialsCreate, folder ?? undefined);
      // On an update a secret field left out keeps its stored value (null); on a create it is missing.
      const keep = (value: string | undefined) => (exists ? (value ?? null) : value);
      const input = { id, ...body, password: keep(body.password), secret: keep(body.secret), content: keep(body.content), privateKey: keep(body.privateKey), passphrase: keep(body.passphrase) };
      const credential = exists ? await deps.credentials.update(folder?.id ?? null, id, input) : await deps.credentials.create(folder?.id ?? null, input);
      await scope.audit({ action: exists ? 'credential.update' : 'credential.create', outcome: 'accepted', item: folder?.fullName ?? null, detail: { credential: id, kind: credential.kind, store: folder ? 'folder' : 'system' } });
      return c.json(view(credential, folder), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/credentials/{id}', tags: ['credentials'], summary: 'Delete a credential (Credentials/Delete)', request: { params: IdParams, query: FolderQuery }, responses: { 204: noContent('Deleted'), ...refusals(403, 404) } }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const { id } = c.req.valid('param');
      const folder = await storeOf(scope, c.req.valid('query').folder, Permissions.CredentialsDelete);
      const credential = await deps.credentials.get(folder?.id ?? null, id);
      await deps.credentials.delete(folder?.id ?? null, id);
      await scope.audit({ action: 'credential.delete', outcome: 'accepted', item: folder?.fullName ?? null, detail: { credential: id, kind: credential.kind, store: folder ? 'folder' : 'system' } });
      return c.body(null, 204);
    },
  );
}
