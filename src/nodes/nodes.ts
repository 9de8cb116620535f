import { createHash, timingSafeEqual } from 'node:crypto';
import { newAgentSecret } from '../auth/agent-secret.js';
import { DomainError } from '../core/errors.js';
import { checkItemName } from '../core/item-name.js';
import { type AgentNode, type AgentSecrets, isBuiltInNodeName, isNodeOnline, NODE_ONLINE_WINDOW_MS } from '../core/node.js';
import type { Store } from '../store/types.js';

export { NODE_ONLINE_WINDOW_MS };

/** Seals a secret so that this server (and only it) can read it again. */
export interface Sealer {
  seal(plain: string): string;
  unseal(sealed: string): string | null;
}

export interface NewNode {
  readonly name: string;
  /** An array, or Jenkins' `labelString`: labels separated by whitespace. */
  readonly labels?: readonly string[] | string;
  readonly executors?: number;
  readonly description?: string;
}

export type NodeChanges = Omit<NewNode, 'name'>;

export const MAX_EXECUTORS = 64;
/** How long the secret before a rotation stays valid, by default: a day to roll the new one out. */
export const ROTATION_OVERLAP_MS = 86_400_000;

/**
 * The registry of agents: their names, labels, executors and secrets. A secret is made here (256
 * random bits, `stwa_` prefix), kept sealed so an administrator can be shown it again (Jenkins' JNLP
 * file carries it), and checked in constant time; a rotation keeps the previous one valid for an
 * overlap so agents can be moved to the new one without downtime.
 */
export class Nodes {
  private readonly store: Store;
  private readonly sealer: Sealer;
  private readonly now: () => number;

  constructor(deps: { store: Store; sealer: Sealer; now?: () => number }) {
    this.store = deps.store;
    this.sealer = deps.sealer;
    this.now = deps.now ?? Date.now;
  }

  async create(input: NewNode): Promise<{ node: AgentNode; secret: string }> {
    const name = checkNodeName(input.name);
    const secret = newAgentSecret();
    const node = await this.store.nodes.create(
      {
        name,
        description: input.description ?? '',
        labels: labelsOf(name, input.labels),
        executors: executorsOf(input.executors ?? 1),
        offlineMessage: null,
        createdAt: this.now(),
        lastSeenAt: null,
      },
      { current: this.sealer.seal(secret), previous: null, previousUntil: null },
    );
    return { node, secret };
  }

  get(name: string): Promise<AgentNode | null> {
    return this.store.nodes.get(name);
  }

  list(): Promise<AgentNode[]> {
    return this.store.nodes.list();
  }

  /** The node by name, or `node_not_found`. */
  async require(name: string): Promise<AgentNode> {
    const node = await this.store.nodes.get(name);
    if (!node) throw new DomainError('node_not_found', `No node named "${name}".`, 'List the nodes with steward node list, or at /computer/api/json.').with({ name });
    return node;
  }

  async update(name: string, changes: NodeChanges): Promise<AgentNode> {
    const node = await this.require(name);
    return this.store.nodes.update(node.name, {
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.labels !== undefined ? { labels: labelsOf(node.name, changes.labels) } : {}),
      ...(changes.executors !== undefined ? { executors: executorsOf(changes.executors) } : {}),
    });
  }

  /** Takes the node offline on purpose with a reason (Jenkins: temporarily offline), or back online with null. */
  async setOffline(name: string, message: string | null): Promise<AgentNode> {
    const node = await this.require(name);
    return this.store.nodes.update(node.name, { offlineMessage: message });
  }

  delete(name: string): Promise<boolean> {
    return this.store.nodes.delete(name);
  }

  /** The current secret, unsealed; null for an unknown node or one sealed by another server's key. */
  async secretOf(name: string): Promise<string | null> {
    const secrets = await this.store.nodes.secrets(name);
    return secrets ? this.sealer.unseal(secrets.current) : null;
  }

  /** Makes a new current secret; the one it replaces stays valid until now + overlapMs. */
  async rotateSecret(name: string, overlapMs = ROTATION_OVERLAP_MS): Promise<string> {
    const node = await this.require(name);
    const old = (await this.store.nodes.secrets(node.name)) as AgentSecrets;
    const secret = newAgentSecret();
    await this.store.nodes.setSecrets(node.name, { current: this.sealer.seal(secret), previous: old.current, previousUntil: this.now() + Math.max(0, overlapMs) });
    return secret;
  }

  /**
   * The node whose current secret, or previous one within its overlap, is `presented`; null for an
   * unknown name and for a wrong secret alike, so the answer never tells which names exist. The
   * comparison is of SHA-256 digests in constant time.
   */
  async authenticate(name: string, presented: string): Promise<AgentNode | null> {
    const node = await this.store.nodes.get(name);
    const secrets = node ? await this.store.nodes.secrets(node.name) : null;
    const given = digest(presented);
    let matched = false;
    for (const sealed of validSecrets(secrets, this.now())) {
      const plain = this.sealer.unseal(sealed);
      if (plain !== null && timingSafeEqual(digest(plain), given)) matched = true;
    }
    return matched ? node : null;
  }

  isOnline(node: AgentNode, now: number = this.now()): boolean {
    return isNodeOnline(node, now);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function validSecrets(secrets: AgentSecrets | null, now: number): string[] {
  if (!secrets) return [];
  const previous = secrets.previous !== null && secrets.previousUntil !== null && now < secrets.previousUntil ? [secrets.previous] : [];
  return [secrets.current, ...previous];
}

/** Jenkins' item name rules, no whitespace (the name is one of the node's labels), and none of the built-in node's names. */
export function checkNodeName(raw: string): string {
  const name = checkItemName(raw);
  if (/\s/.test(name)) {
    throw new DomainError('name_invalid', `A node name may not contain whitespace ("${name}").`, 'A node\'s name is also one of its labels, and labels are separated by spaces: use - or _ instead.').at('name').with({ rule: 'whitespace', name });
  }
  if (isBuiltInNodeName(name)) {
    throw new DomainError('name_taken', `"${name}" is the name of the built-in node.`, 'Choose another name for the agent, e.g. linux-1.').at('name').with({ name, kind: 'node' });
  }
  return name;
}

/** The node's own name first, then the given labels (an array or a whitespace-separated string), each once. */
export function labelsOf(name: string, labels: readonly string[] | string | undefined): string[] {
  const given = typeof labels === 'string' ? labels.split(/\s+/) : (labels ?? []).flatMap((label) => label.split(/\s+/));
  const out = [name];
  for (const label of given) if (label !== '' && !out.includes(label)) out.push(label);
  return out;
}

function executorsOf(executors: number): number {
  if (!Number.isInteger(executors) || executors < 1 || executors > MAX_EXECUTORS) {
    throw new DomainError('config_invalid', `A node has 1 to ${MAX_EXECUTORS} executors, not ${executors}.`, 'Give a whole number of builds it may run at once, e.g. --executors 4.').at('executors');
  }
  return executors;
}
