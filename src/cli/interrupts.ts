/**
 * Ctrl-C while a command waits: the first SIGINT (or SIGTERM) is handed to the command, which decides
 * (abort the build, or detach); a second one exits at once with 130. Sleeps end early on a signal,
 * so the command reacts immediately;
 * the command checks `interrupted` on each round.
 */
export class Interrupts {
  private count = 0;
  private wake: (() => void) | null = null;
  private readonly handler = () => {
    this.count += 1;
    if (this.count > 1) process.exit(130);
    this.wake?.();
  };

  constructor() {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  get interrupted(): boolean {
    return this.count > 0;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}

/** Polling intervals: quick at first (most builds start at once), then no more than once a second. */
export function* backoff(firstMs = 50, maxMs = 1000): Generator<number, never> {
  let next = firstMs;
  for (;;) {
    yield next;
    next = Math.min(maxMs, Math.round(next * 1.5));
  }
}
