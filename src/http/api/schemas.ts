import { z } from '@hono/zod-openapi';

/** The shapes of the native API, named so that the OpenAPI description refers to them. */

export const RefusalSchema = z
  .object({
    error: z.string().openapi({ example: 'permission_missing', description: 'A stable reason code, listed in docs/errors.md.' }),
    message: z.string().openapi({ example: 'alice is missing the Overall/Administer permission.' }),
    hint: z.string().nullable().openapi({ example: 'Ask an administrator to grant Overall/Administer on the whole server to user:alice.' }),
  })
  .openapi('Refusal');

export const UserSchema = z
  .object({
    id: z.string().openapi({ example: 'alice' }),
    fullName: z.string().openapi({ example: 'Alice Example' }),
    groups: z.array(z.string()).openapi({ example: ['devs'] }),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('User');

export const NewUserSchema = z
  .object({
    id: z.string().min(1).openapi({ example: 'alice' }),
    fullName: z.string().optional(),
    password: z.string().openapi({ description: 'At least 8 characters.' }),
    groups: z.array(z.string()).optional(),
  })
  .strict()
  .openapi('NewUser');

export const UserChangeSchema = z
  .object({
    fullName: z.string().optional(),
    groups: z.array(z.string()).optional().openapi({ description: 'Administrators only.' }),
  })
  .strict()
  .openapi('UserChange');

export const PasswordChangeSchema = z
  .object({
    password: z.string().openapi({ description: 'The new password, at least 8 characters.' }),
    currentPassword: z.string().optional().openapi({ description: 'Required when changing your own password.' }),
  })
  .strict()
  .openapi('PasswordChange');

export const ApiTokenSchema = z
  .object({
    uuid: z.string(),
    name: z.string().openapi({ example: 'ci' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    expiresAt: z.string().nullable().openapi({ format: 'date-time' }),
    lastUsedAt: z.string().nullable().openapi({ format: 'date-time' }),
    lastUsedAddress: z.string().nullable(),
    useCount: z.number().int(),
  })
  .openapi('ApiToken');

export const NewApiTokenSchema = z
  .object({
    name: z.string().optional().openapi({ example: 'ci' }),
    expiresAt: z.string().optional().openapi({ format: 'date-time', description: 'When the token stops working; omit for never.' }),
  })
  .strict()
  .openapi('NewApiToken');

export const CreatedApiTokenSchema = ApiTokenSchema.extend({
  value: z.string().openapi({ description: 'The secret. It is shown here once and never again.', example: 'stwu_…' }),
}).openapi('CreatedApiToken');

export const TokenRenameSchema = z.object({ name: z.string() }).strict().openapi('TokenRename');

const GrantsSchema = z.record(z.string(), z.array(z.string())).openapi({
  description: 'Permissions by principal: anonymous, authenticated, user:ID or group:NAME.',
  example: { authenticated: ['Overall/Read', 'Job/Read'], 'user:admin': ['Overall/Administer'], 'group:developers': ['Job/Build'] },
});

export const SecuritySchema = z
  .object({
    authorization: z.enum(['loggedInUsersCanDoAnything', 'matrix']),
    allowAnonymousRead: z.boolean(),
    crumbs: z.boolean(),
    grants: GrantsSchema,
  })
  .openapi('Security');

export const SecurityChangeSchema = z
  .object({
    authorization: z.enum(['loggedInUsersCanDoAnything', 'matrix']).optional(),
    allowAnonymousRead: z.boolean().optional(),
    crumbs: z.boolean().optional(),
    grants: GrantsSchema.optional().openapi({ description: 'Replaces the server-wide grants.' }),
  })
  .strict()
  .openapi('SecurityChange');

export const ItemGrantsSchema = z
  .object({
    item: z.string().openapi({ example: 'team/app' }),
    grants: GrantsSchema,
    inherited: z.array(z.object({ item: z.string(), grants: GrantsSchema })).openapi({ description: 'Grants of the enclosing folders, which hold here too.' }),
  })
  .openapi('ItemGrants');

export const ItemGrantsChangeSchema = z.object({ grants: GrantsSchema }).strict().openapi('ItemGrantsChange');

export const PermissionSchema = z
  .object({
    id: z.string().openapi({ example: 'hudson.model.Item.Build' }),
    title: z.string().openapi({ example: 'Job/Build' }),
    impliedBy: z.array(z.string()).openapi({ example: ['hudson.security.Permission.GenericUpdate', 'hudson.model.Hudson.Administer'] }),
  })
  .openapi('Permission');

export const WhoAmISchema = z
  .object({
    id: z.string().nullable(),
    fullName: z.string().nullable(),
    anonymous: z.boolean(),
    authorities: z.array(z.string()),
    credential: z.enum(['none', 'password', 'api_token', 'session', 'trigger_token']),
    apiToken: z.string().nullable().openapi({ description: 'The name of the API token the request used.' }),
    triggerToken: z.string().nullable().openapi({ description: 'The name of the trigger token the request was made with.' }),
    permissions: z.array(z.string()).openapi({ description: 'The server-wide permissions held, as titles.' }),
  })
  .openapi('WhoAmI');

export const AuditEventSchema = z
  .object({
    id: z.number().int(),
    at: z.string().openapi({ format: 'date-time' }),
    requestId: z.string().nullable(),
    action: z.string().openapi({ example: 'trigger' }),
    outcome: z.enum(['accepted', 'refused']),
    reason: z.string().nullable().openapi({ example: 'job_token_invalid' }),
    actor: z.string().openapi({ example: 'alice' }),
    credential: z.string().openapi({ example: 'api_token' }),
    address: z.string().nullable(),
    item: z.string().nullable(),
    queueId: z.number().int().nullable(),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .openapi('AuditEvent');

export const AuditPageSchema = z
  .object({
    events: z.array(AuditEventSchema),
    next: z.string().nullable().openapi({ description: 'The URL of the next (older) page, or null.' }),
  })
  .openapi('AuditPage');

export const AuditQuerySchema = z.object({
  since: z.string().optional().openapi({ description: 'ISO date-time; events at or after it.' }),
  until: z.string().optional().openapi({ description: 'ISO date-time; events before it.' }),
  actor: z.string().optional(),
  item: z.string().optional(),
  action: z.string().optional(),
  outcome: z.enum(['accepted', 'refused']).optional(),
  reason: z.string().optional().openapi({ description: "A refusal's reason code, e.g. permission_missing." }),
  limit: z.string().optional().openapi({ description: '1 to 1000, default 100.' }),
  before: z.string().optional().openapi({ description: 'Only events with a smaller id (paging).' }),
});

export const TriggerTokenSchema = z
  .object({
    uuid: z.string(),
    name: z.string().openapi({ example: 'github-deploy' }),
    items: z.array(z.string()).openapi({ description: 'Jobs, and folders standing for everything below them.', example: ['team/deploy'] }),
    createdBy: z.string(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    expiresAt: z.string().nullable().openapi({ format: 'date-time' }),
    allowedNetworks: z.array(z.string()).openapi({ example: ['10.0.0.0/8'] }),
    canCancel: z.boolean(),
    lastUsedAt: z.string().nullable().openapi({ format: 'date-time' }),
    lastUsedAddress: z.string().nullable(),
    useCount: z.number().int(),
  })
  .openapi('TriggerToken');

export const NewTriggerTokenSchema = z
  .object({
    name: z.string().openapi({ example: 'github-deploy' }),
    items: z.array(z.string()).min(1).openapi({ description: 'Full names of jobs or folders; you need Job/Configure on each.', example: ['team/deploy'] }),
    expiresAt: z.string().optional().openapi({ format: 'date-time' }),
    allowedNetworks: z.array(z.string()).optional().openapi({ description: 'CIDR blocks the token may be used from; omit for anywhere.' }),
    canCancel: z.boolean().optional().openapi({ description: 'Whether the token may stop the builds it started.' }),
  })
  .strict()
  .openapi('NewTriggerToken');

export const CreatedTriggerTokenSchema = TriggerTokenSchema.extend({
  value: z.string().openapi({ description: 'The secret. It is shown here once and never again.', example: 'stwt_…' }),
}).openapi('CreatedTriggerToken');

const SignatureSchema = z
  .object({
    header: z.string().openapi({ example: 'X-Signature' }),
    algorithm: z.enum(['sha1', 'sha256', 'sha512']),
    prefix: z.string().openapi({ example: 'sha256=' }),
    encoding: z.enum(['hex', 'base64']),
  })
  .openapi('HmacSignature');

export const WebhookSchema = z
  .object({
    name: z.string(),
    url: z.string().openapi({ description: 'Where senders deliver to.' }),
    kind: z.enum(['github', 'gitlab', 'hmac']),
    jobs: z.array(z.string()),
    events: z.array(z.string()),
    refs: z.array(z.string()),
    refField: z.string(),
    parameters: z.record(z.string(), z.string()),
    signature: SignatureSchema.nullable(),
    eventHeader: z.string().nullable(),
    deliveryHeader: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Webhook');

export const WebhookDefinitionSchema = z
  .object({
    kind: z.enum(['github', 'gitlab', 'hmac']),
    secret: z.string().openapi({ description: 'At least 16 characters; stored sealed (or, for GitLab, as a keyed digest) and never shown again.' }),
    jobs: z.array(z.string()).min(1).openapi({ example: ['team/deploy'] }),
    events: z.array(z.string()).optional().openapi({ example: ['push'] }),
    refs: z.array(z.string()).optional().openapi({ example: ['refs/heads/main', 'refs/tags/**'] }),
    refField: z.string().optional().openapi({ description: 'The payload field holding the ref; ref by default.' }),
    parameters: z.record(z.string(), z.string()).optional().openapi({ description: 'Job parameter name → payload dot path.', example: { SHA: 'after', BRANCH: 'ref' } }),
    signature: SignatureSchema.optional(),
    eventHeader: z.string().optional(),
    deliveryHeader: z.string().optional(),
  })
  .strict()
  .openapi('WebhookDefinition');
