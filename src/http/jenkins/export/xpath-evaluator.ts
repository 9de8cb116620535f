import { Refusal } from '../../errors.js';
import { workerModule } from './worker-module.js';
import { BudgetSpent, PoolBusy, WorkerPool } from './worker-pool.js';
import type { XPathRequest, XPathResult } from './xpath-protocol.js';

/**
 * What XPath evaluation may cost, per request and for the whole server. XPath 1.0 lets a short
 * expression ask for exponential time (nested `//*[//*[…]]`) or memory (chained `following::` and
 * `preceding::` steps), so evaluation runs on worker threads (`xpath-worker.ts`) and is stopped at
 * these budgets; the figures behind them are in docs/jenkins-compat.md ("Budgets").
 */
export const XPATH_BUDGET = {
  /** Evaluator threads: at most this many requests evaluate at once (the server has few cores). */
  workers: 2,
  /**
   * Requests that may wait for an evaluator; one more answers 503 evaluator_busy. Enough for a burst
   * of ordinary evaluations (a millisecond each), few enough that waiting behind hostile ones (2 s
   * each, two at a time) stays short and the documents held meanwhile stay few.
   */
  waiting: 16,
  /** Wall-clock time of one evaluation, parsing the document included; then the thread is terminated. */
  timeoutMs: 2000,
  /** Heap of one evaluator thread; beyond it V8 stops the thread. */
  heapMb: 96,
} as const;

let pool: WorkerPool<XPathRequest, XPathResult> | null = null;

function evaluators(): WorkerPool<XPathRequest, XPathResult> {
  pool ??= new WorkerPool<XPathRequest, XPathResult>({
    module: () => workerModule('xpath-worker', import.meta.url),
    workerData: { role: 'xpath-evaluator' },
    size: XPATH_BUDGET.workers,
    maxWaiting: XPATH_BUDGET.waiting,
    timeoutMs: XPATH_BUDGET.timeoutMs,
    maxHeapMb: XPATH_BUDGET.heapMb,
  });
  return pool;
}

/** Seconds within which the evaluations running now have ended, so that places in line are free again. */
const RETRY_AFTER_SECONDS = Math.ceil(XPATH_BUDGET.timeoutMs / 1000);

const SIMPLER = 'Use a simpler expression (e.g. //job/name rather than nested //* or following::/preceding:: steps), or narrow the document first with tree=.';

/**
 * Evaluates `exclude=` and `xpath=` on an evaluator thread within the budgets. A spent budget is a
 * 400 `budget_exceeded` naming it; a full waiting line a 503 `evaluator_busy` with `Retry-After`.
 * When `signal` aborts (the client hung up) the evaluation stops and this fails with an AbortError.
 */
export async function evaluateXPath(request: XPathRequest, signal?: AbortSignal): Promise<XPathResult> {
  try {
    return await evaluators().run(request, signal);
  } catch (error) {
    if (error instanceof BudgetSpent && error.budget === 'time') {
      throw new Refusal('budget_exceeded', `This XPath evaluation ran out of time: one request may evaluate for ${error.limit / 1000} seconds.`, SIMPLER);
    }
    if (error instanceof BudgetSpent) {
      throw new Refusal('budget_exceeded', `This XPath evaluation ran out of memory: one request may use ${error.limit} MB.`, SIMPLER);
    }
    if (error instanceof PoolBusy) {
      throw new Refusal(
        'evaluator_busy',
        'Every XPath evaluator is busy with other requests.',
        `Try again in ${RETRY_AFTER_SECONDS} seconds, or read api/json (or api/xml without xpath) and select on your side.`,
        {},
        RETRY_AFTER_SECONDS,
      );
    }
    throw error;
  }
}
