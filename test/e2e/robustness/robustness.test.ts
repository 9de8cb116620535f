import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD } from '../../support/server.js';
import { encodeRequest } from '../../support/raw-http.js';
import { describeRequest, type Violation } from './check.js';
import { adminFetch, restore, startWorld, stopWorld, type World } from './fixtures.js';
import { FOCUSED, focusedRequest } from './focused.js';
import { type Credentials, type FuzzCase, generateCase } from './generate.js';
import { KNOWN_FAILURES, type KnownFailure } from './known-failures.js';
import { JENKINS_ROUTES, nativeRoutes, type Route } from './routes.js';
import { CaseRunner, type CaseResult, checkLogLines } from './run.js';

/**
 * The robustness suite (issue 12): hostile and malformed requests to every route, as admin, as a user
 * with little access and anonymously, each answer checked against the rules of check.ts. Focused cases
 * run every time; the fuzzed ones come from a seed:
 *
 *   STEWARD_FUZZ_SEED=abc npx vitest run test/e2e/robustness     # another seed (`random` picks one)
 *   STEWARD_FUZZ_CASES=5000 …                                     # more cases (the default fits CI)
 *   STEWARD_FUZZ_ONLY=17,240 …                                    # only these case numbers of the seed
 *   STEWARD_FUZZ_VERBOSE=1 …                                      # a line per request: status, time, event loop
 *   STEWARD_FUZZ_VERBOSE=requests …                               # and the request itself
 */
const SEED = process.env.STEWARD_FUZZ_SEED === 'random' ? randomBytes(6).toString('hex') : (process.env.STEWARD_FUZZ_SEED ?? 'steward-robustness-1');
const CASES = Number(process.env.STEWARD_FUZZ_CASES ?? 1200);
const ONLY = process.env.STEWARD_FUZZ_ONLY?.split(',').map(Number);
const VERBOSE = process.env.STEWARD_FUZZ_VERBOSE !== undefined && process.env.STEWARD_FUZZ_VERBOSE !== '';
const VERBOSE_REQUESTS = process.env.STEWARD_FUZZ_VERBOSE === 'requests';
const NATIVE_API_BASE = '/steward/api/v1';

interface Finding {
  readonly caseId: string;
  readonly route: string;
  readonly principal: string;
  readonly mutations: readonly string[];
  readonly violation: Violation;
  readonly request: string;
  readonly answer: string;
  readonly known: KnownFailure | undefined;
}

let world: World;
let runner: CaseRunner;
let routes: Route[];
const findings: Finding[] = [];
const timings: Array<{ id: string; ms: number; eventLoopMaxMs: number; probeMs: number }> = [];

function credentials(): Credentials {
  return { adminToken: world.adminToken, adminPassword: ADMIN_PASSWORD, lowToken: world.lowToken, triggerToken: world.triggerToken.value };
}

function answerOf(result: CaseResult): string {
  const { outcome } = result;
  if (outcome.kind !== 'response') return `(${outcome.kind})`;
  return `${outcome.response.rawHead.split('\r\n')[0]} [${outcome.response.headers.get('x-steward-reason')?.[0] ?? 'no reason'}] ${outcome.response.body.toString('utf8').slice(0, 200)}`;
}

function record(testCase: Pick<FuzzCase, 'id' | 'route' | 'principal' | 'mutations' | 'request'>, result: CaseResult, extra: Violation[] = []): void {
  timings.push({ id: testCase.id, ms: result.ms, eventLoopMaxMs: result.eventLoopMaxMs, probeMs: result.probeMs });
  if (VERBOSE) {
    console.log(`${testCase.id} ${testCase.route} ${answerOf(result).slice(0, 60).replace(/\s+/g, ' ')} | ${Math.round(result.ms)} ms, loop ${Math.round(result.eventLoopMaxMs)} ms, probe ${Math.round(result.probeMs)} ms`);
    if (VERBOSE_REQUESTS) console.log(describeRequest(testCase.request).replace(/^/gm, '    > '));
  }
  for (const violation of [...result.violations, ...extra]) {
    findings.push({
      caseId: testCase.id,
      route: testCase.route,
      principal: testCase.principal,
      mutations: testCase.mutations,
      violation,
      request: describeRequest(testCase.request),
      answer: answerOf(result),
      known: KNOWN_FAILURES.find((known) => known.matches(testCase, violation, result.outcome)),
    });
  }
}

/** Whether a case may have changed the world (a request other than a read that was accepted). */
function mayHaveChanged(request: FuzzCase['request'], result: CaseResult): boolean {
  const reads = request.method === 'GET' || request.method === 'HEAD';
  if (result.outcome.kind !== 'response') return !reads;
  return !reads && result.outcome.response.status < 400;
}

/** The findings in words, each with the request that shows it; the first 25 (the rest are alike). */
function report(list: readonly Finding[]): string {
  const shown = list
    .slice(0, 25)
    .map((finding) => [`── ${finding.caseId} (${finding.route}, as ${finding.principal}${finding.mutations.length > 0 ? `, ${finding.mutations.join(', ')}` : ''})`, `   ${finding.violation.kind}: ${finding.violation.detail}`, `   answer: ${finding.answer}`, finding.request.replace(/^/gm, '   > ')].join('\n'))
    .join('\n');
  return list.length > 25 ? `${shown}\n… and ${list.length - 25} more` : shown;
}

beforeAll(async () => {
  world = await startWorld();
  runner = new CaseRunner(world);
  const openapi = await (await adminFetch(world, `${NATIVE_API_BASE}/openapi.json`)).json();
  routes = [...JENKINS_ROUTES, ...nativeRoutes(openapi as Parameters<typeof nativeRoutes>[0], NATIVE_API_BASE)];
}, 120_000);

afterAll(async () => {
  runner?.stop();
  const slowest = [...timings].sort((a, b) => b.ms - a.ms).slice(0, 5);
  const loop = Math.max(0, ...timings.map((timing) => timing.eventLoopMaxMs));
  const probe = Math.max(0, ...timings.map((timing) => timing.probeMs));
  const known = findings.filter((finding) => finding.known);
  console.log(
    [
      `robustness: seed ${SEED}, ${timings.length} requests (${FOCUSED.length} focused, the rest fuzzed)`,
      `  slowest answers: ${slowest.map((timing) => `${timing.id} ${Math.round(timing.ms)} ms`).join(', ')}`,
      `  longest event-loop delay ${Math.round(loop)} ms, slowest probe ${Math.round(probe)} ms`,
      `  known failures seen: ${known.length} (test/e2e/robustness/known-failures.ts)`,
      ...KNOWN_FAILURES.map((entry) => {
        const seen = known.filter((finding) => finding.known === entry);
        return `    ${entry.id}: ${seen.length}${seen[0] ? `, e.g. ${seen[0].caseId}` : ''}`;
      }),
    ].join('\n'),
  );
  if (world) await stopWorld(world);
});

describe(`robustness (seed ${SEED}; re-run with STEWARD_FUZZ_SEED=${SEED})`, () => {
  it('makes the same requests from the same seed', () => {
    const names = { queueIds: [3, 1, 2], tokenUuids: ['u'] };
    const given: Credentials = { adminToken: 'a', adminPassword: 'p', lowToken: 'l', triggerToken: 't' };
    const run = (seed: string) => Array.from({ length: 300 }, (_, index) => encodeRequest(generateCase(seed, index, routes, names, given, 8080).request).toString('base64'));
    expect(run(SEED)).toEqual(run(SEED));
    expect(run(`${SEED}-other`)).not.toEqual(run(SEED));
  });

  it('answers the focused hostile requests', async () => {
    const failing = new Set<string>();
    for (const [index, focused] of FOCUSED.entries()) {
      const request = focusedRequest(focused, credentials(), world.server.port, `10.255.${index >> 8}.${index & 255}`);
      const result = await runner.run(request);
      const problem = focused.expect?.(result.outcome) ?? null;
      const testCase = { id: `focused:${focused.id}`, route: 'focused', principal: focused.principal, mutations: [], request };
      const before = findings.length;
      const after = mayHaveChanged(request, result) ? await restore(world) : [];
      record(testCase, result, [...(problem ? [{ kind: 'unexpected-answer' as const, detail: problem }] : []), ...after]);
      if (findings.length > before) failing.add(focused.id);
    }
    const unexpected = findings.filter((finding) => finding.caseId.startsWith('focused:') && !finding.known);
    const fixed = KNOWN_FAILURES.filter((known) => known.focused.length > 0 && known.focused.every((id) => !failing.has(id)));
    expect(report(unexpected), `focused cases broke the rules (seed-independent)`).toBe('');
    expect(fixed.map((known) => `${known.id} no longer fails (${known.focused.join(', ')}): remove it from known-failures.ts`)).toEqual([]);
  }, 60_000);

  it(`answers ${ONLY ? ONLY.length : CASES} fuzzed requests within the rules`, async () => {
    const names = () => ({ queueIds: world.queueIds, tokenUuids: [world.triggerToken.uuid] });
    const indexes = ONLY ?? Array.from({ length: CASES }, (_, index) => index);
    for (const index of indexes) {
      const testCase = generateCase(SEED, index, routes, names(), credentials(), world.server.port);
      const result = await runner.run(testCase.request);
      record(testCase, result, mayHaveChanged(testCase.request, result) || index % 100 === 99 ? await restore(world) : []);
    }
    const unexpected = findings.filter((finding) => !finding.caseId.startsWith('focused:') && !finding.known);
    expect(report(unexpected), `fuzzed cases broke the rules; re-run with STEWARD_FUZZ_SEED=${SEED} STEWARD_FUZZ_ONLY=<case numbers>`).toBe('');
  }, Math.max(110_000, (ONLY?.length ?? CASES) * 200));

  it('is alive afterwards, and its log has no unhandled error and no secret', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const alive = await adminFetch(world, '/api/json?tree=jobs[name]');
    expect(alive.status).toBe(200);
    const result = await runner.run(focusedRequest({ id: 'alive', principal: 'anonymous', method: 'GET', target: '/whoAmI/api/json' }, credentials(), world.server.port, '10.254.0.1'));
    expect(result.outcome.kind === 'response' ? result.outcome.response.status : result.outcome.kind).toBe(200);
    expect(result.violations).toEqual([]);
    const logged = checkLogLines(world.server.logLines, world).filter((violation) => !findings.some((finding) => finding.known && finding.violation.detail === violation.detail));
    expect(logged.map((violation) => `${violation.kind}: ${violation.detail}`)).toEqual([]);
  });
});
