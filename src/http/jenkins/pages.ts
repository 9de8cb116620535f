import { escapeHtml } from '../html.js';

/**
 * Minimal HTML pages for the URLs Jenkins clients are redirected to (a job, a build, the configure
 * page) so that a client following a redirect gets a 200. The real web interface replaces them.
 */
export function page(title: string, lines: readonly string[]): Response {
  const body = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} [Steward]</title></head>
<body><h1>${escapeHtml(title)}</h1>
${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
</body></html>
`;
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/html;charset=UTF-8' } });
}

