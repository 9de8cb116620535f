import type { Build } from '../../core/build.js';
import { DomainError } from '../../core/errors.js';
import type { Job } from '../../core/item.js';
import { buildPath, itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import type { StopMode } from '../../queue/runner.js';
import { single } from '../body.js';
import { ConsoleRenderer, isConsoleState } from '../ui/console-ansi.js';
import { consoleStateAt } from '../ui/console-log.js';
import { PAGE_HEADERS } from '../ui/page.js';
import type { Scope } from './scope.js';

const TEXT = { 'Content-Type': 'text/plain;charset=UTF-8' };

/** `…/N/consoleText`: the whole log so far, as plain text. */
export async function consoleText(scope: Scope, job: Job, build: Build): Promise<Response> {
  const log = await scope.deps.logs.read(job.id, build.number, 0, false);
  return new Response(log ? new Uint8Array(log.text) : '', { status: 200, headers: TEXT });
}

/**
 * `…/N/logText/progressiveText?start=K` (GET, or POST with a `start` form field): the log from byte
 * K, `X-Text-Size` the offset to ask for next, and `X-More-Data: true` while the build runs (only
 * whole lines are sent then). Before the log exists: empty, size 0, more data.
 */
export async function progressiveText(scope: Scope, job: Job, build: Build): Promise<Response> {
  const piece = await progressivePiece(scope, job, build);
  return new Response(new Uint8Array(piece.text), { status: 200, headers: { ...TEXT, ...progressHeaders(piece) } });
}

/**
 * `…/N/logText/progressiveHtml?start=K`: the same piece of the log as progressiveText, as HTML for
 * the build page's console (escaped, ANSI colours as classes). The colours in effect at K come from
 * the `X-Console-State` request header (what the previous answer's header said), else from the bytes
 * before K; the answer's `X-Console-State` is the state at its end.
 */
export async function progressiveHtml(scope: Scope, job: Job, build: Build): Promise<Response> {
  const piece = await progressivePiece(scope, job, build);
  const sent = scope.c.req.header('x-console-state');
  const state = piece.start === 0 ? '' : sent !== undefined && isConsoleState(sent) ? sent : await consoleStateAt(scope.deps.logs.path(job.id, build.number), piece.start);
  const renderer = new ConsoleRenderer(state);
  const body = renderer.html(piece.text.toString('utf8'));
  return new Response(body, { status: 200, headers: { ...PAGE_HEADERS, 'Content-Type': 'text/html;charset=UTF-8', ...progressHeaders(piece), 'X-Console-State': renderer.state } });
}

interface LogPiece {
  readonly text: Buffer;
  /** The offset the piece starts at (0 when the asked one was beyond the end). */
  readonly start: number;
  readonly end: number;
  readonly more: boolean;
}

async function progressivePiece(scope: Scope, job: Job, build: Build): Promise<LogPiece> {
  const input = await scope.readInput();
  const requested = Number(single(input, 'start') ?? '0');
  // The state is read before the log: once it says completed, the log is complete.
  const fresh = (await scope.deps.store.builds.get(job.id, build.number)) ?? build;
  const running = fresh.state === 'running';
  const size = await scope.deps.logs.size(job.id, build.number);
  if (size === null) return { text: Buffer.alloc(0), start: 0, end: 0, more: true };
  // A start beyond the end means the reader's view is stale: Jenkins starts over from 0.
  const start = Number.isInteger(requested) && requested >= 0 && requested <= size ? requested : 0;
  const log = await scope.deps.logs.read(job.id, build.number, start, running);
  return { text: log?.text ?? Buffer.alloc(0), start, end: log?.end ?? start, more: running };
}

function progressHeaders(piece: LogPiece): Record<string, string> {
  return piece.more ? { 'X-Text-Size': String(piece.end), 'X-More-Data': 'true' } : { 'X-Text-Size': String(piece.end) };
}

/**
 * `…/N/stop` (and `term`, `kill`): asks a running build to stop, signalling its whole process group,
 * and answers 302 to the build page whether or not it was still running, as Jenkins does.
 */
export async function stop(scope: Scope, job: Job, build: Build, mode: StopMode): Promise<Response> {
  scope.check(Permissions.ItemCancel, job);
  const by = scope.principal.kind === 'user' ? { userId: scope.principal.id, userName: scope.principal.fullName } : { userId: 'anonymous', userName: 'anonymous' };
  scope.deps.scheduler.stopBuild(job.id, build.number, { kind: 'user', ...by }, mode);
  return scope.redirect(buildPath(job.fullName, build.number));
}

/** `…/N/doDelete`: deletes a finished build and its log; 302 to the job. */
export async function deleteBuild(scope: Scope, job: Job, build: Build): Promise<Response> {
  scope.check(Permissions.RunDelete, job);
  if (build.state === 'running' || scope.deps.scheduler.isRunning(job.id, build.number)) {
    throw new DomainError('build_running', `Build #${build.number} of ${job.fullName} is still running.`, `Stop it first (POST …/${build.number}/stop), then delete it.`);
  }
  await scope.deps.store.builds.delete(job.id, build.number);
  await scope.deps.logs.remove(job.id, build.number);
  return scope.redirect(itemPath(job.fullName));
}
