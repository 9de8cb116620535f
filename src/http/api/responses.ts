import type { z } from '@hono/zod-openapi';
import { RefusalSchema } from './schemas.js';

const REFUSALS: Record<number, string> = {
  400: 'The request is malformed; the body says what to fix',
  401: 'The credentials are wrong, revoked or expired',
  403: 'Refused: missing permission, or a POST without the crumb it needs',
  404: 'No such user, token or item (or one you may not see)',
  409: 'The request conflicts with the present state',
};

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description } as const;
}

export function noContent(description: string) {
  return { description } as const;
}

/** The refusal responses a route may give, each with the one refusal shape. */
export function refusals(...statuses: number[]): Record<number, ReturnType<typeof json<typeof RefusalSchema>>> {
  return Object.fromEntries(statuses.map((status) => [status, json(RefusalSchema, REFUSALS[status] ?? 'Refused')]));
}
