import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const TYPES: Record<string, string> = { css: 'text/css;charset=UTF-8', js: 'text/javascript;charset=UTF-8', svg: 'image/svg+xml' };
const FILES = ['steward.css', 'steward.js', 'favicon.svg'];

/** The page assets, read once from `assets/` beside this file; every page's style and script come from here. */
const assets = new Map(
  FILES.map((name) => {
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url));
    return [name, { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`, type: TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream' }] as const;
  }),
);

/** `/static/NAME`: readable by anyone (the sign-in page needs them), revalidated by ETag. */
export function serveStatic(name: string | undefined, ifNoneMatch: string | undefined): Response | null {
  const asset = name === undefined ? undefined : assets.get(name);
  if (!asset) return null;
  const headers = { 'Content-Type': asset.type, ETag: asset.etag, 'Cache-Control': 'public, max-age=300', 'X-Content-Type-Options': 'nosniff' };
  if (ifNoneMatch === asset.etag) return new Response(null, { status: 304, headers });
  return new Response(asset.body, { status: 200, headers });
}
