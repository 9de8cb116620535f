import { Hono } from 'hono';
import { credentialIdsOf } from '../core/binding.js';
import { type CredentialSecret, secretValuesOf } from '../core/credential.js';
import { maskedForms } from '../logs/masking.js';
import type { Context } from 'hono';
import type { Build, Interruption, Result } from '../core/build.js';
import { DomainError } from '../core/errors.js';
import { defaultJobSettings, type Job } from '../core/item.js';
import { type AgentNode, agentLabels } from '../core/node.js';
import type { Scheduler } from '../queue/scheduler.js';
import type { Assignment } from '../remote/assignment.js';
import { readSourceReport } from '../remote/source-report.js';
import { NO_PREVIOUS_REVISIONS } from '../core/revision.js';
import type { HeldBuild, LeaseRefusal, RemoteRunner } from '../remote/remote-runner.js';
import type { Store } from '../store/types.js';
import type { AppEnv } from './context.js';
import { Refusal } from './errors.js';

export const AGENT_PROTOCOL_BASE = '/steward/agent/v1';

/** How long a claim waits for work before answering 204 (GitLab Runner 50 s, Drone 30 s). */
const CLAIM_WAIT_MS = 30_000;
/** How long a `watch` waits for a stop request. */
const WATCH_WAIT_MS = 25_000;
const RESULTS: ReadonlySet<string> = new Set<Result>(['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED']);

export interface AgentProtocolDeps {
  readonly store: Store;
  readonly scheduler: Scheduler;
  readonly remote: RemoteRunner;
  /** The agent a request comes from, when its secret is right; null otherwise (never says which is wrong). */
  readonly authenticate: (name: string, secret: string) => Promise<AgentNode | null>;
  readonly unseal: (sealed: string) => string | null;
  /** The credentials a build of the job uses, in clear, by id (one read; the ids gone are absent). */
  readonly credentials: (job: Job) => Promise<ReadonlyMap<string, CredentialSecret>>;
  readonly rootUrl: () => string;
  readonly globalEnvironment: Readonly<Record<string, string>>;
  readonly claimWaitMs?: number;
}

/**
 * The protocol `steward agent` speaks: plain HTTP(S) that passes any proxy. An agent authenticates
 * every request with its node's name (`X-Steward-Agent`) and secret (`Authorization: Bearer`); a
 * claim is a long poll answered with the builds started for it, and names the builds the agent still
 * runs (any other of its builds was lost with an earlier run of the agent); a build's reports carry its lease
 * (`X-Steward-Lease`), and a stale lease is answered 409 and never applied.
 */
export function agentProtocol(deps: AgentProtocolDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/claim', async (c) => {
    const node = await agentOf(c, deps);
    const body = await jsonBody(c);
    const slots = Array.isArray(body.slots) ? body.slots.filter((slot): slot is number => Number.isInteger(slot) && (slot as number) >= 0 && (slot as number) < node.executors) : [];
    if (slots.length === 0) throw new Refusal('body_invalid', 'A claim names the free executor slots of the agent.', `Send {"slots":[0]} (slots 0 to ${node.executors - 1}).`);
    // What the agent runs: a build of this node it does not name was lost by an earlier run of it.
    const holding = Array.isArray(body.holding) ? body.holding.filter(isHeldBuild) : [];
    deps.remote.releaseUnheld(node.name, holding);
    // The node's executors as the server has them: an agent started with more warns that it runs fewer.
    c.header('X-Steward-Executors', String(node.executors));
    // Heard from: the node shows online (a claim comes at least every 30 s from an idle agent).
    await deps.store.nodes.touch(node.name, Date.now());
    if (node.offlineMessage !== null) return c.body(null, 204);
    const builds = await new Promise<ReadonlyArray<{ job: Job; build: Build }>>((resolve) => {
      const timer = setTimeout(() => {
        withdraw();
        resolve([]);
      }, deps.claimWaitMs ?? CLAIM_WAIT_MS);
      const withdraw = deps.scheduler.claimFor({
        node: node.name,
        labels: agentLabels(node),
        slots: [...new Set(slots)],
        deliver: (started) => {
          clearTimeout(timer);
          resolve(started);
        },
      });
      c.req.raw.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        withdraw();
        resolve([]);
      });
    });
    if (builds.length === 0) return c.body(null, 204);
    return c.json({ assignments: await Promise.all(builds.map(({ job, build }) => assignment(deps, node, job, build))) });
  });

  app.post('/builds/:job/:number/lease', async (c) => {
    const { node, jobId, number, lease } = await buildRequest(c, deps);
    const renewed = deps.remote.renew(jobId, number, lease);
    if ('refused' in renewed) throw staleLease(renewed);
    await deps.store.nodes.touch(node.name, Date.now());
    return c.json(renewed);
  });

  app.post('/builds/:job/:number/watch', async (c) => {
    const { jobId, number, lease } = await buildRequest(c, deps);
    const watched = deps.remote.watch(jobId, number, lease, WATCH_WAIT_MS);
    if ('refused' in watched) throw staleLease(watched);
    return c.json(await watched);
  });

  app.put('/builds/:job/:number/log', async (c) => {
    const { jobId, number, lease } = await buildRequest(c, deps);
    const range = /^bytes (\d+)-(\d+)\/\*$/.exec(c.req.header('content-range') ?? '');
    const bytes = Buffer.from(await c.req.arrayBuffer());
    if (!range || Number(range[2]) - Number(range[1]) + 1 !== bytes.length) {
      throw new Refusal('body_invalid', 'A log upload needs Content-Range: bytes START-END/* matching its body.', 'Send the bytes of the log from offset START, inclusive END.');
    }
    const taken = await deps.remote.appendLog(jobId, number, lease, Number(range[1]), bytes);
    if ('refused' in taken) throw staleLease(taken);
    if ('gap' in taken) throw logGap(taken.gap);
    return c.json({ size: taken.size }, 202);
  });

  // What the build checked out, as soon as its checkout ended; a report is also a sign of life.
  app.post('/builds/:job/:number/source', async (c) => {
    const { jobId, number, lease, body } = await buildRequest(c, deps);
    const held = deps.remote.renew(jobId, number, lease);
    if ('refused' in held) throw staleLease(held);
    const source = readSourceReport(body);
    if (source === null) throw new Refusal('body_invalid', 'A source report needs the revision and the change set.', 'Send {"revision":{"sha":"…","branch":"origin/main","remoteUrl":"…"},"changes":[…],"changesTruncated":false}.');
    await deps.store.sources.record(jobId, number, source);
    return c.json({ recorded: true });
  });

  app.post('/builds/:job/:number/finish', async (c) => {
    const { node, jobId, number, lease, body } = await buildRequest(c, deps);
    const result = typeof body.result === 'string' && RESULTS.has(body.result) ? (body.result as Result) : null;
    if (result === null || typeof body.size !== 'number') throw new Refusal('body_invalid', 'A finish report needs the result and the log size.', 'Send {"result":"SUCCESS","size":N}.');
    const done = await deps.remote.finish(jobId, number, lease, { result, interruption: reportedInterruption(body.interruption, node), size: body.size });
    if ('refused' in done) throw staleLease(done);
    if ('gap' in done) throw logGap(done.gap);
    return c.json({ done: true });
  });

  return app;
}

async function assignment(deps: AgentProtocolDeps, node: AgentNode, job: Job, build: Build): Promise<Assignment> {
  const secrets: Record<string, string> = {};
  for (const value of build.parameters ?? []) {
    if (value.type === 'password') secrets[value.sealed] = deps.unseal(value.sealed) ?? '';
  }
  // Only the credentials this build uses, read once; the server masks them again in the log it receives.
  const credentials = credentialIdsOf(job.settings).length > 0 ? [...(await deps.credentials(job)).values()] : [];
  deps.remote.maskAlso(job.id, build.number, credentials.flatMap(secretValuesOf).flatMap(maskedForms));
  return {
    // Only what running the steps needs: no tokens, no source config, no other job's data. The archive settings go so that the agent's log says it does not archive yet.
    job: { ...job, sourceConfig: null, settings: { ...defaultJobSettings(), description: job.settings.description, steps: job.settings.steps, scm: job.settings.scm, bindings: job.settings.bindings, archive: job.settings.archive, ignoredSettings: job.settings.ignoredSettings, parameters: job.settings.parameters.map((definition) => ({ ...definition, ...(definition.type === 'password' ? { sealedDefault: '' } : {}) })) } } as Job,
    build,
    lease: deps.remote.leaseOf(job.id, build.number) ?? '',
    leaseMs: deps.remote.leaseMs,
    renewEveryMs: Math.floor(deps.remote.leaseMs / 3),
    secrets,
    rootUrl: deps.rootUrl(),
    environment: deps.globalEnvironment,
    nodeLabels: node.labels.join(' '),
    credentials,
    previousRevisions: job.settings.scm === null ? NO_PREVIOUS_REVISIONS : await deps.store.sources.previous(job.id, build.number),
  };
}

/**
 * Why the agent says it stopped a build, believed only where the agent is the one who knows: its own
 * disk failed, or it was told to stop. Stops the server asked for are the server's to name.
 */
function reportedInterruption(reported: unknown, node: AgentNode): Interruption | null {
  const kind = (reported as { kind?: unknown } | null)?.kind;
  if (kind === 'agent_stopped') return { kind, node: node.name };
  if (kind === 'log_unwritable') {
    const problem = (reported as { problem?: unknown }).problem;
    return { kind, problem: typeof problem === 'string' ? problem.slice(0, 200) : 'an error on the agent' };
  }
  return null;
}

function isHeldBuild(value: unknown): value is HeldBuild {
  const held = value as Partial<HeldBuild> | null;
  return typeof held === 'object' && held !== null && Number.isInteger(held.job) && Number.isInteger(held.number);
}

async function agentOf(c: Context<AppEnv>, deps: AgentProtocolDeps): Promise<AgentNode> {
  const name = c.req.header('x-steward-agent');
  const authorization = c.req.header('authorization') ?? '';
  const secret = /^bearer /i.test(authorization) ? authorization.slice(7).trim() : '';
  const node = name && secret ? await deps.authenticate(name, secret) : null;
  if (!node) {
    throw new DomainError('credentials_invalid', 'This agent is not known here, or its secret is wrong.', 'Run steward agent with --name NODE and --secret-file holding the secret `steward node secret NODE` prints.');
  }
  return node;
}

async function buildRequest(c: Context<AppEnv>, deps: AgentProtocolDeps): Promise<{ node: AgentNode; jobId: number; number: number; lease: string; body: Record<string, unknown> }> {
  const node = await agentOf(c, deps);
  const jobId = Number(c.req.param('job'));
  const number = Number(c.req.param('number'));
  const body = c.req.method === 'PUT' ? {} : await jsonBody(c);
  const lease = c.req.header('x-steward-lease') ?? (typeof body.lease === 'string' ? body.lease : '');
  const build = Number.isInteger(jobId) && Number.isInteger(number) ? await deps.store.builds.get(jobId, number) : null;
  // An agent reports only on builds it runs: another node's lease is as good as none.
  if (!build || build.node.toLowerCase() !== node.name.toLowerCase()) throw new DomainError('build_not_found', `No build ${jobId}#${number} runs on ${node.name}.`);
  // Another server handed the build out: when that server is gone, this one takes the build over.
  if (!deps.remote.holds(jobId, number) && deps.remote.leaseMatches(build, lease)) {
    const held = await deps.scheduler.takeOver(jobId, number);
    if (typeof held === 'object') throw heldElsewhere(held.heldBy, deps.scheduler.server);
  }
  return { node, jobId, number, lease, body };
}

async function jsonBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  try {
    const parsed = (await c.req.json()) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new Refusal('body_invalid', 'The agent protocol takes JSON bodies.', 'Send Content-Type: application/json.');
  }
}

function staleLease(refusal: LeaseRefusal): Refusal {
  return new Refusal(
    'lease_stale',
    refusal.refused === 'unknown' ? 'This build is no longer running on an agent (it ended, or its lease expired).' : "This lease is not the build's.",
    'Stop the build on the agent: the server will not take more of it.',
  );
}

/**
 * The report reached a server other than the one holding the build, whose lease still runs. The agent
 * sends it again (a load balancer without affinity takes it to the holder sooner or later).
 */
function heldElsewhere(holder: string | null, here: string): Refusal {
  return new Refusal(
    'build_held_elsewhere',
    `This build is held by Steward server ${holder ?? 'unknown'}, and this report reached server ${here}.`,
    "An agent's reports on a build go to the server that handed it out while that server lives: give the load balancer source-address affinity for agents, or point agents at one server. The agent sends the report again.",
  );
}

/** The server has fewer bytes of the log than the agent sent from: it says how many, and the agent sends from there. */
function logGap(size: number): Refusal {
  return new Refusal('log_gap', `The server has ${size} bytes of this log.`, 'Send the log again from that offset.', { 'X-Steward-Log-Size': String(size) });
}
