import { z } from '@hono/zod-openapi';

/** The native API's shapes for agents (src/http/api/nodes.ts). */

const labels = z.union([z.array(z.string()), z.string()]).openapi({ example: ['linux', 'docker'], description: 'Labels, as an array or separated by whitespace; the node\'s own name is always one of them.' });
const executors = z.number().int().min(1).max(64).openapi({ example: 4 });

export const NodeSchema = z
  .object({
    name: z.string().openapi({ example: 'linux-1' }),
    description: z.string(),
    labels: z.array(z.string()).openapi({ example: ['linux-1', 'linux', 'docker'] }),
    executors: z.number().int(),
    online: z.boolean().openapi({ description: 'Heard from within the last 60 s and not taken offline.' }),
    offlineMessage: z.string().nullable().openapi({ description: 'Set while an administrator keeps the node offline, with the reason.' }),
    lastSeenAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Node');

export const NewNodeSchema = z
  .object({ name: z.string().min(1), labels: labels.optional(), executors: executors.optional(), description: z.string().max(10_000).optional() })
  .openapi('NewNode');

export const NodeChangeSchema = z
  .object({
    labels: labels.optional(),
    executors: executors.optional(),
    description: z.string().max(10_000).optional(),
    offlineMessage: z.string().max(10_000).nullable().optional().openapi({ description: 'A reason takes the node offline; null brings it back.' }),
  })
  .openapi('NodeChange');

export const NodeSecretSchema = z
  .object({ name: z.string(), secret: z.string().openapi({ example: 'stwa_…', description: 'For steward agent --secret-file.' }) })
  .openapi('NodeSecret');

export const CreatedNodeSchema = NodeSchema.extend({ secret: z.string().openapi({ description: 'Shown here once; an administrator can read it again at /nodes/{name}/secret.' }) }).openapi('CreatedNode');
