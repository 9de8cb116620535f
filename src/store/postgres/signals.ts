import pg from 'pg';
import { LocalSignals } from '../local-signals.js';
import type { SignalTopic, Signals } from '../types.js';

const CHANNEL = 'steward';
const TOPICS: ReadonlySet<string> = new Set<SignalTopic>(['queue', 'builds', 'stops', 'policy']);
/** Listeners look at the store this often anyway: a notification sent while a connection was down is lost. */
const POLL_MS = 2_000;
/** Waits between attempts to listen again after the listening connection broke, doubling up to the last. */
const RECONNECT_MS = [250, 500, 1_000, 2_000, 5_000];

/**
 * Signals between the servers of one PostgreSQL database, through LISTEN/NOTIFY on one channel whose
 * payload is the topic. One connection of its own listens (the pool's connections come and go) and
 * is opened again, with a growing pause, whenever it breaks. Notifications go out after the change's
 * commit, on their own, at most one per topic per turn of the event loop: a notify inside the write
 * batch's transaction would take PostgreSQL's global notify lock on every commit. A lost signal is
 * only late: listeners also look every POLL_MS.
 */
export class PgSignals implements Signals {
  readonly pollMs = POLL_MS;
  private readonly local = new LocalSignals();
  private readonly sending = new Set<SignalTopic>();
  private listener: pg.Client | null = null;
  private attempts = 0;
  private listened = false;
  private reconnect: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly clientConfig: pg.ClientConfig,
  ) {}

  /** Starts listening; resolves once the first LISTEN succeeded (or failed: it is then tried again). */
  async start(): Promise<void> {
    await this.listen();
  }

  notify(topic: SignalTopic): void {
    if (this.closed || this.sending.has(topic)) return;
    this.sending.add(topic);
    setImmediate(() => {
      this.sending.delete(topic);
      // Unsent (the database is out of reach): listeners find the change when they next look.
      this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, topic]).catch(() => {});
    });
  }

  on(topic: SignalTopic, listener: () => void): () => void {
    return this.local.on(topic, listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    const client = this.listener;
    this.listener = null;
    await client?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(this.clientConfig);
    const broken = () => {
      if (this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => {});
      this.again();
    };
    client.on('error', broken);
    client.on('end', broken);
    client.on('notification', (message) => {
      if (message.payload !== undefined && TOPICS.has(message.payload)) this.local.notify(message.payload as SignalTopic);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      this.again();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.listener = client;
    this.attempts = 0;
    // What changed while nobody listened (after the first time) is found by looking now.
    if (this.listened) for (const topic of TOPICS) this.local.notify(topic as SignalTopic);
    this.listened = true;
  }

  private again(): void {
    if (this.closed || this.reconnect) return;
    const delay = RECONNECT_MS[Math.min(this.attempts, RECONNECT_MS.length - 1)] as number;
    this.attempts += 1;
    this.reconnect = setTimeout(() => {
      this.reconnect = null;
      void this.listen();
    }, delay);
    this.reconnect.unref();
  }
}
