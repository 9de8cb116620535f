import { EventEmitter } from 'node:events';
import type { SignalTopic, Signals } from './types.js';

/**
 * Signals within one process (one server on SQLite): a notification reaches the listeners on the next
 * turn of the event loop, and many of one topic in one turn make one. The PostgreSQL signals hand what
 * they hear to one of these.
 */
export class LocalSignals implements Signals {
  readonly pollMs: number | null = null;
  private readonly events = new EventEmitter();
  private readonly pending = new Set<SignalTopic>();

  constructor() {
    // Every wait for a build listens for a moment; there is no sensible maximum.
    this.events.setMaxListeners(0);
  }

  notify(topic: SignalTopic): void {
    if (this.pending.has(topic)) return;
    this.pending.add(topic);
    setImmediate(() => {
      this.pending.delete(topic);
      this.events.emit(topic);
    });
  }

  on(topic: SignalTopic, listener: () => void): () => void {
    this.events.on(topic, listener);
    return () => this.events.off(topic, listener);
  }
}
