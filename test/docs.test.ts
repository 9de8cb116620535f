import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The reason codes are part of the API: every one the server can send is listed in docs/errors.md. */
describe('docs/errors.md', () => {
  it('lists every reason code with its status', () => {
    const source = readFileSync('src/http/errors.ts', 'utf8');
    const table = /const STATUS[^{]*\{([\s\S]*?)\n\};/.exec(source)?.[1] ?? '';
    const codes = [...table.matchAll(/^\s+([a-z_]+): (\d{3}),$/gm)].map((match) => [match[1] as string, match[2] as string] as const);
    expect(codes.length).toBeGreaterThan(50);
    const docs = readFileSync('docs/errors.md', 'utf8');
    const missing = codes.filter(([code, status]) => !new RegExp(`^\\| [^|]*\`${code}\`[^|]*\\| ${status} \\|`, 'm').test(docs));
    expect(missing).toEqual([]);
  });
});
