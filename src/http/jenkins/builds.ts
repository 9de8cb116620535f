import type { Build } from '../../core/build.js';
import { DomainError } from '../../core/errors.js';
import type { Job } from '../../core/item.js';
import { buildPath, itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import type { StopMode } from '../../queue/runner.js';
import { single } from '../body.js';
import { streamedBody } from '../streamed-body.js';
import { isConsoleState } from '../ui/console-ansi.js';
import { prepareHtmlPiece, SLICE_BYTES } from '../ui/console-html.js';
import { consoleStateAt } from '../ui/console-log.js';
import { PAGE_HEADERS } from '../ui/page.js';
import type { Scope } from './scope.js';

const TEXT = { 'Content-Type': 'text/plain;charset=UTF-8' };

/**
 * The most log bytes one `progressiveText` answer carries (docs/jenkins-compat.md, "Builds and logs").
 * The bytes stream from the file, so the server holds a chunk per reader whatever this is; it bounds
 * what a client holds per answer and how long one answer takes. Readers loop on `X-More-Data`, and the
 * npm `jenkins` client waits 1 s between answers, so the piece is large: a 200 MB log takes it 12.
 */
export const TEXT_PIECE_BYTES = 16 * 1024 * 1024;
/**
 * The most log bytes one `progressiveHtml` answer renders. The worst content renders at ~0.5 s per MiB
 * (console-html.ts), so an answer costs at most about that much of one core, in slices of ~10 ms,
 * and makes at most ~5 MiB of HTML (`&amp;`, or a colour span around each character) for the page
 * to insert. Normal output renders over a hundred times faster, so a page keeps up with any build.
 */
export const HTML_PIECE_BYTES = 1024 * 1024;

/**
 * `…/N/consoleText`: the log as plain text, as long as it was when asked (a running build's later
 * output is for the next request), streamed from the log's storage as the client reads it.
 */
export async function consoleText(scope: Scope, job: Job, build: Build): Promise<Response> {
  const size = (await scope.deps.logs.size(job.id, build.number)) ?? 0;
  const body = await logBytes(scope, job, build, 0, size);
  return new Response(body, { status: 200, headers: { ...TEXT, 'Content-Length': String(size) } });
}

/**
 * `…/N/logText/progressiveText?start=K` (GET, or POST with a `start` form field): the log from byte
 * K, at most `TEXT_PIECE_BYTES` of it (see `ConsoleLogs.piece` for where a piece is cut), streamed;
 * `X-Text-Size` the offset to ask for next, and `X-More-Data: true` while the build runs (only whole
 * lines are sent then, unless one line is longer than a piece) or more of the log is left. Before the
 * log exists: empty, size 0, more data while the build runs.
 */
export async function progressiveText(scope: Scope, job: Job, build: Build): Promise<Response> {
  const piece = await progressivePiece(scope, job, build, TEXT_PIECE_BYTES);
  const length = piece.end - piece.start;
  const body = await logBytes(scope, job, build, piece.start, piece.end);
  return new Response(body, { status: 200, headers: { ...TEXT, 'Content-Length': String(length), ...progressHeaders(piece.end, piece.more) } });
}

/**
 * `…/N/logText/progressiveHtml?start=K`: a piece of the log as progressiveText chooses it, but at
 * most `HTML_PIECE_BYTES`, as HTML for the build page's console (escaped, ANSI colours as classes),
 * rendered in slices as it streams (console-html.ts). The colours in effect at K come from the
 * `X-Console-State` request header (what the previous answer's header said), else from the bytes
 * before K; the answer's `X-Console-State` is the state at its end.
 */
export async function progressiveHtml(scope: Scope, job: Job, build: Build): Promise<Response> {
  const piece = await progressivePiece(scope, job, build, HTML_PIECE_BYTES);
  const logs = scope.deps.logs;
  const sent = scope.c.req.header('x-console-state');
  const state = piece.start === 0 ? '' : sent !== undefined && isConsoleState(sent) ? sent : await consoleStateAt(logs, job.id, build.number, piece.start);
  const read = (from: number, to: number) => logs.stream(job.id, build.number, from, to, SLICE_BYTES);
  const html = await prepareHtmlPiece(read, piece.start, piece.end, state, piece.more);
  const body = html.end > piece.start ? streamedBody(() => html.body()) : '';
  return new Response(body, { status: 200, headers: { ...PAGE_HEADERS, 'Content-Type': 'text/html;charset=UTF-8', ...progressHeaders(html.end, piece.more), 'X-Console-State': html.state } });
}

/** Up to this many bytes of a log are read at once and sent whole; more are streamed. */
const READ_AT_ONCE_BYTES = 256 * 1024;

/** A body of bytes `start` to `end` of the log: read at once when small, else streamed as the client reads. */
async function logBytes(scope: Scope, job: Job, build: Build, start: number, end: number): Promise<BodyInit> {
  if (end <= start) return '';
  if (end - start <= READ_AT_ONCE_BYTES) {
    // A build deleted since its size was read has no log left to send (an empty range).
    const bytes = await scope.deps.logs.readRange(job.id, build.number, start, end);
    return new Uint8Array(bytes) as Uint8Array<ArrayBuffer>;
  }
  return streamedBody(() => scope.deps.logs.stream(job.id, build.number, start, end));
}

interface ProgressivePiece {
  /** The offset the piece starts at (0 when the asked one was beyond the end). */
  readonly start: number;
  readonly end: number;
  /** Whether a reader should ask again: the build runs, or the log goes on after `end`. */
  readonly more: boolean;
}

async function progressivePiece(scope: Scope, job: Job, build: Build, maxBytes: number): Promise<ProgressivePiece> {
  const input = await scope.readInput();
  const requested = Number(single(input, 'start') ?? '0');
  // The state is read before the log: once it says completed, the log is complete.
  const fresh = (await scope.deps.store.builds.get(job.id, build.number)) ?? build;
  const running = fresh.state === 'running';
  const size = await scope.deps.logs.size(job.id, build.number);
  // A start beyond the end means the reader's view is stale: Jenkins starts over from 0.
  const start = size !== null && Number.isInteger(requested) && requested >= 0 && requested <= size ? requested : 0;
  const piece = size === null ? null : await scope.deps.logs.piece(job.id, build.number, start, maxBytes, running);
  if (!piece) return { start: 0, end: 0, more: running };
  return { start: piece.start, end: piece.end, more: running || piece.end < piece.size };
}

function progressHeaders(end: number, more: boolean): Record<string, string> {
  return more ? { 'X-Text-Size': String(end), 'X-More-Data': 'true' } : { 'X-Text-Size': String(end) };
}

/**
 * `…/N/stop` (and `term`, `kill`): asks a running build to stop, signalling its whole process group,
 * and answers 302 to the build page whether or not it was still running, as Jenkins does.
 */
export async function stop(scope: Scope, job: Job, build: Build, mode: StopMode): Promise<Response> {
  scope.check(Permissions.ItemCancel, job);
  const by = scope.principal.kind === 'user' ? { userId: scope.principal.id, userName: scope.principal.fullName } : { userId: 'anonymous', userName: 'anonymous' };
  await scope.deps.scheduler.stopBuild(job.id, build.number, { kind: 'user', ...by }, mode);
  return scope.redirect(buildPath(job.fullName, build.number));
}

/** `…/N/doDelete`: deletes a finished build, its log and its artifacts; 302 to the job. */
export async function deleteBuild(scope: Scope, job: Job, build: Build): Promise<Response> {
  scope.check(Permissions.RunDelete, job);
  // The store is the truth on every server: a build recorded finished has its whole log, even while
  // the server that ran it is still tidying up after it.
  if (build.state === 'running') {
    throw new DomainError('build_running', `Build #${build.number} of ${job.fullName} is still running.`, `Stop it first (POST …/${build.number}/stop), then delete it.`);
  }
  await scope.deps.store.builds.delete(job.id, build.number);
  await scope.deps.logs.remove(job.id, build.number);
  await scope.deps.artifacts.remove(job.id, build.number);
  return scope.redirect(itemPath(job.fullName));
}
