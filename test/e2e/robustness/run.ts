import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type RawOutcome, type RawRequest, sendRaw } from '../../support/raw-http.js';
import { BOUNDS, type CheckContext, checkOutcome, type Violation } from './check.js';
import type { World } from './fixtures.js';

export interface CaseResult {
  readonly outcome: RawOutcome;
  readonly violations: Violation[];
  /** Milliseconds the answer took (or until the connection ended). */
  readonly ms: number;
  readonly probeMs: number;
  readonly eventLoopMaxMs: number;
}

/**
 * Runs one request against the world's server while a probe (`GET /whoAmI/api/json`) is sent
 * alongside, and the event loop's delay is measured: the server runs in this process, so a handler that
 * holds the loop shows up directly. Log lines the request caused are checked too.
 */
export class CaseRunner {
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly world: World) {
    this.loop.enable();
  }

  stop(): void {
    this.loop.disable();
  }

  async run(request: RawRequest): Promise<CaseResult> {
    const { server } = this.world;
    const logsBefore = server.logLines.length;
    this.loop.reset();
    const answer = sendRaw(server.port, request, BOUNDS.answerMs * 5);
    const probe = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      const started = performance.now();
      const response = await fetch(new URL('whoAmI/api/json', server.url));
      await response.arrayBuffer();
      return { status: response.status, ms: performance.now() - started };
    })();
    const [outcome, probed] = await Promise.all([answer, probe]);
    // A client that hangs up is noticed by the server a moment later; give its log line time to arrive.
    if (request.ending === 'hang-up' || request.ending === 'half-close' || outcome.kind !== 'response') await new Promise((resolve) => setTimeout(resolve, 30));
    const eventLoopMaxMs = this.loop.max / 1e6;
    const context: CheckContext = { home: server.home, secrets: this.world.secrets };
    const violations = checkOutcome(outcome, request, context);
    if (probed.status !== 200) violations.push({ kind: 'no-answer', detail: `the probe GET /whoAmI/api/json answered ${probed.status}` });
    if (probed.ms > BOUNDS.probeMs) violations.push({ kind: 'event-loop-blocked', detail: `the probe sent alongside took ${Math.round(probed.ms)} ms (bound ${BOUNDS.probeMs} ms)` });
    if (eventLoopMaxMs > BOUNDS.eventLoopMs) violations.push({ kind: 'event-loop-blocked', detail: `the event loop was held up ${Math.round(eventLoopMaxMs)} ms (bound ${BOUNDS.eventLoopMs} ms)` });
    violations.push(...checkLogLines(server.logLines.slice(logsBefore), context));
    const ms = outcome.kind === 'response' ? outcome.response.ms : outcome.ms;
    return { outcome, violations, ms, probeMs: probed.ms, eventLoopMaxMs };
  }
}

/** Log lines must not say `unhandled error`, nor show a secret. */
export function checkLogLines(lines: readonly string[], context: Pick<CheckContext, 'secrets'>): Violation[] {
  const violations: Violation[] = [];
  for (const line of lines) {
    if (line.includes('unhandled error')) violations.push({ kind: 'unhandled-error-logged', detail: line.slice(0, 600) });
    for (const secret of context.secrets) if (line.includes(secret)) violations.push({ kind: 'secret-logged', detail: `a secret (${secret.slice(0, 6)}…) in the log: ${line.replaceAll(secret, '[SECRET]').slice(0, 300)}` });
  }
  return violations;
}
