import { html } from 'hono/html';
import type { Artifact } from '../../core/artifact.js';
import { formatBytes, isArtifactPath } from '../../core/artifact.js';
import type { Build } from '../../core/build.js';
import type { Job } from '../../core/item.js';
import { buildPath, itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import { byteRange } from '../byte-range.js';
import { Refusal } from '../errors.js';
import { streamedBody } from '../streamed-body.js';
import { renderPage } from '../ui/page.js';
import { trailOf } from '../ui/trail.js';
import type { Scope } from './scope.js';

/**
 * Artifacts are the build's files, not Steward's pages: a sandbox keeps an archived HTML file from
 * running script with the server's origin (Jenkins' DirectoryBrowserSupport does the same).
 */
const FILE_HEADERS = { 'Content-Security-Policy': "sandbox; default-src 'none'; img-src 'self'; style-src 'self'", 'X-Content-Type-Options': 'nosniff', 'Accept-Ranges': 'bytes' };

/**
 * `…/N/artifact/PATH` (also through permalinks, `…/lastSuccessfulBuild/artifact/PATH`): one artifact,
 * streamed from storage, with one byte range when asked (206, or 416 past its end); `…/artifact/` and
 * `…/artifact/DIR/` list what is there. Job/Read, as Jenkins' Item/Read with Run/Artifacts. A path
 * that could leave the build's artifacts (`..`, an encoded `/`) is refused before storage sees it.
 */
export async function serveArtifact(scope: Scope, job: Job, build: Build, segments: readonly string[]): Promise<Response> {
  scope.check(Permissions.ItemRead, job);
  if (scope.method !== 'GET' && scope.method !== 'HEAD') throw new Refusal('method_not_allowed', 'Artifacts are read with GET.', 'Use GET.', { Allow: 'GET' });
  if (segments[0] === '*zip*') throw new Refusal('not_implemented', 'Steward does not implement zip downloads of artifacts yet.', 'Download the files one by one: their paths are in …/api/json?tree=artifacts[relativePath].');
  const path = segments.join('/');
  if (path !== '' && !isArtifactPath(path)) throw new Refusal('artifact_path_invalid', `"${path}" cannot name an artifact.`, 'Artifact paths are relative to the build\'s artifacts, without "." or ".." segments.');
  const directory = path === '' || scope.url.pathname.endsWith('/');
  if (!directory) {
    const artifact = await scope.deps.artifacts.stat(job.id, build.number, path);
    if (artifact) return fileResponse(scope, job, build, artifact);
  }
  const all = await scope.deps.artifacts.list(job.id, build.number);
  const prefix = path === '' ? '' : `${path}/`;
  const below = all.filter((artifact) => artifact.path.startsWith(prefix));
  if (below.length === 0 && path !== '') throw new Refusal('artifact_not_found', `Build #${build.number} of ${job.fullName} has no artifact ${path}.`, `List its artifacts at /${buildPath(job.fullName, build.number)}artifact/ or in …/api/json?tree=artifacts[relativePath].`);
  if (!directory) return scope.redirect(`${buildPath(job.fullName, build.number)}artifact/${path.split('/').map(encodeURIComponent).join('/')}/`);
  return listing(scope, job, build, prefix, below);
}

async function fileResponse(scope: Scope, job: Job, build: Build, artifact: Artifact): Promise<Response> {
  const range = byteRange(scope.c.req.header('range'), artifact.size);
  if (range === 'unsatisfiable') {
    throw new Refusal('range_not_satisfiable', `The range asked for starts past the end of ${artifact.path} (${artifact.size} bytes).`, 'Ask for a range within the file, or for the whole file without a Range header.', { 'Content-Range': `bytes */${artifact.size}`, 'Accept-Ranges': 'bytes' });
  }
  const { start, end } = range ?? { start: 0, end: artifact.size };
  const name = artifact.path.slice(artifact.path.lastIndexOf('/') + 1);
  const headers: Record<string, string> = {
    ...FILE_HEADERS,
    'Content-Type': contentTypeOf(name),
    'Content-Length': String(end - start),
    'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(name)}`,
    'Last-Modified': new Date(build.startedAt + (build.durationMs ?? 0)).toUTCString(),
  };
  if (range) headers['Content-Range'] = `bytes ${start}-${end - 1}/${artifact.size}`;
  const body = scope.method === 'HEAD' ? null : streamedBody(() => readOrFail(scope, job, build, artifact.path, start, end));
  return new Response(body, { status: range ? 206 : 200, headers });
}

async function* readOrFail(scope: Scope, job: Job, build: Build, path: string, start: number, end: number): AsyncGenerator<Uint8Array> {
  const stream = await scope.deps.artifacts.read(job.id, build.number, path, start, end);
  // Deleted between the answer's head and its body: the connection ends short, as for a log.
  if (!stream) throw new Error(`artifact ${path} of ${job.fullName} #${build.number} is gone`);
  yield* stream as AsyncIterable<Uint8Array>;
}

/** The build's artifacts below a directory, as Jenkins' artifact browser lists them: names, sizes, links. */
async function listing(scope: Scope, job: Job, build: Build, prefix: string, artifacts: readonly Artifact[]): Promise<Response> {
  const base = `/${buildPath(job.fullName, build.number)}artifact/`;
  const href = (path: string) => base + path.split('/').map(encodeURIComponent).join('/');
  return renderPage(scope, {
    title: `Artifacts of ${job.fullName} #${build.number}${prefix === '' ? '' : ` in ${prefix}`}`,
    trail: [...trailOf(job.fullName), [job.name, `/${itemPath(job.fullName)}`], [`#${build.number}`, `/${buildPath(job.fullName, build.number)}`], ['Artifacts', base]],
    body:
      artifacts.length === 0
        ? html`<p class="muted">This build has no artifacts.</p>`
        : html`<table class="artifacts"><thead><tr><th scope="col">File</th><th scope="col">Size</th></tr></thead><tbody>${artifacts.map(
            (artifact) => html`<tr><td><a href="${href(artifact.path)}">${artifact.path.slice(prefix.length)}</a></td><td>${formatBytes(artifact.size)}</td></tr>`,
          )}</tbody></table>`,
  });
}

const TYPES: Readonly<Record<string, string>> = {
  txt: 'text/plain;charset=UTF-8', log: 'text/plain;charset=UTF-8', md: 'text/plain;charset=UTF-8',
  html: 'text/html;charset=UTF-8', htm: 'text/html;charset=UTF-8', css: 'text/css', js: 'text/javascript',
  json: 'application/json', xml: 'application/xml', svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif',
  pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip', tgz: 'application/gzip', tar: 'application/x-tar',
  jar: 'application/java-archive', war: 'application/java-archive', deb: 'application/vnd.debian.binary-package', rpm: 'application/x-rpm',
};

/** By the file's extension, as a servlet container guesses it; bytes otherwise. */
function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot > 0 && TYPES[name.slice(dot + 1).toLowerCase()]) || 'application/octet-stream';
}
