import { RemoteError, type Client } from './client.js';
import { CliError, ExitCode } from './exit-codes.js';
import { backoff, type Interrupts } from './interrupts.js';
import type { JobRef } from './job-ref.js';
import { elapsed } from './output.js';

interface QueueItemJson {
  id: number;
  why?: string | null;
  cancelled?: boolean;
  executable?: { number: number; url: string } | null;
}

export interface BuildJson {
  number: number;
  url: string;
  building: boolean;
  result: string | null;
  fullDisplayName: string;
  duration?: number;
}

export const BUILD_TREE = 'number,url,building,result,fullDisplayName,duration';

/**
 * How long one answer carrying a log may take: a piece of a long log is up to 16 MiB (a whole log
 * from Jenkins or from `consoleText`), more than a slow link sends in the usual 30 s. A server that
 * stops sending is still noticed by fetch's own idle limits (5 minutes).
 */
export const LOG_READ_TIMEOUT_MS = 30 * 60_000;

/** Hooks of a wait: its status line, and what to do (once) when the person presses Ctrl-C. */
export interface WaitHooks {
  readonly interrupts: Interrupts;
  status(text: string): void;
  /** Called on every round after an interrupt until it returns true (the abort was sent, or nothing is to be done). */
  onInterrupt(state: { queueId: number; build: number | null }): Promise<boolean>;
}

/**
 * Polls `/queue/item/ID/api/json` until the item names its build, as jenkins-cli's `-w` does.
 * Returns null when the item was cancelled.
 */
export async function waitForStart(client: Client, queueId: number, hooks: WaitHooks): Promise<{ number: number; url: string } | null> {
  const started = Date.now();
  const delays = backoff();
  let abortSent = false;
  for (;;) {
    const item = await client.json<QueueItemJson>(`queue/item/${queueId}/api/json`);
    if (item.executable) return item.executable;
    if (item.cancelled) return null;
    if (hooks.interrupts.interrupted && !abortSent) {
      abortSent = await hooks.onInterrupt({ queueId, build: null });
      if (abortSent) continue;
    }
    hooks.status(`Waiting in the queue (item ${queueId}): ${item.why ?? 'about to start'} (${elapsedSince(started)})`);
    await hooks.interrupts.sleep(delays.next().value);
  }
}

/** Polls the build until it is no longer building and has a result. */
export async function waitForEnd(client: Client, buildPath: string, hooks: WaitHooks & { readonly queueId: number }): Promise<BuildJson> {
  const started = Date.now();
  const delays = backoff(100);
  let abortSent = false;
  for (;;) {
    const build = await client.json<BuildJson>(`${buildPath}api/json`, { query: { tree: BUILD_TREE } });
    if (!build.building && build.result !== null) return build;
    if (hooks.interrupts.interrupted && !abortSent) {
      abortSent = await hooks.onInterrupt({ queueId: hooks.queueId, build: build.number });
      if (abortSent) continue;
    }
    hooks.status(`Running ${build.fullDisplayName} (${elapsedSince(started)})`);
    await hooks.interrupts.sleep(delays.next().value);
  }
}

/**
 * Streams the console with `logText/progressiveText`, as jenkins-cli's `-v` does: each answer
 * carries the bytes from `start` on, `X-Text-Size` the next start, and `X-More-Data` while the build
 * runs or more of the log is left (Steward answers a long log in pieces of at most 16 MiB). An answer
 * with bytes is followed at once by the next request, so a long log comes as fast as the pieces can
 * be sent; only an empty one (the build is quiet) waits a poll interval. The bytes are written as they
 * came, never decoded, so the output is the log byte for byte (decoding 16 MiB pieces also took
 * longer than fetching them). Returns when the log is complete.
 */
export async function followLog(client: Client, buildPath: string, write: (bytes: Uint8Array) => void, hooks: Pick<WaitHooks, 'interrupts' | 'onInterrupt'> & { readonly queueId: number; readonly number: number }): Promise<void> {
  let start = 0;
  let delays = backoff(100);
  let abortSent = false;
  for (;;) {
    const response = await client.send('GET', `${buildPath}logText/progressiveText`, { query: { start: String(start) }, timeoutMs: LOG_READ_TIMEOUT_MS });
    await client.expect(response, `${buildPath}logText/progressiveText`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const size = Number(response.headers.get('x-text-size') ?? start + bytes.length);
    write(bytes);
    if (bytes.length > 0) delays = backoff(100);
    start = Number.isFinite(size) ? size : start + bytes.length;
    if (response.headers.get('x-more-data') !== 'true') return;
    if (hooks.interrupts.interrupted && !abortSent) {
      abortSent = await hooks.onInterrupt({ queueId: hooks.queueId, build: hooks.number });
      if (abortSent) continue;
    }
    if (bytes.length === 0) await hooks.interrupts.sleep(delays.next().value);
  }
}

/**
 * The build a command names by number or permalink, read with `tree`; its number pins it, so that a
 * build started meanwhile does not change what `lastBuild` meant.
 */
export async function readBuild<T extends { number: number }>(client: Client, job: JobRef, name: string | undefined, tree: string): Promise<T> {
  const segment = buildSegment(name);
  try {
    return await client.json<T>(`${job.path}${segment}/api/json`, { query: { tree } });
  } catch (error) {
    if (error instanceof RemoteError && error.status === 404) throw new CliError(`${job.fullName} has no build ${segment}.`, ExitCode.illegalArgument);
    throw error;
  }
}

/** A build named by number or permalink (`lastBuild`, `lastSuccessfulBuild`, …). */
function buildSegment(value: string | undefined): string {
  const build = value ?? 'lastBuild';
  if (/^[1-9]\d*$/.test(build) || /^last[A-Za-z]*Build$/.test(build)) return build;
  throw new CliError(`${JSON.stringify(build)} is not a build: give its number or a permalink such as lastBuild or lastSuccessfulBuild.`, ExitCode.usage);
}

function elapsedSince(started: number): string {
  return elapsed(Date.now() - started);
}
