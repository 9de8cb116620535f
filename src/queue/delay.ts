import { DURATION_FORMS, parseDuration } from '../core/duration.js';
import { DomainError } from '../core/errors.js';

const MAX_DELAY_MS = 30 * 86_400_000;

/**
 * Reads a trigger's `delay`: Jenkins' forms (`10sec`, `10secs`, and bare numbers, which Jenkins reads
 * as milliseconds) plus `500ms`, `10s`, `2min`, `1h` (DESIGN §5.5). Negative delays mean "now".
 * Returns null when absent, so the quiet period applies.
 */
export function parseDelay(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const text = raw.trim();
  const ms = /^-?\d+$/.test(text) ? Number(text) : parseDuration(text);
  if (ms === null || !Number.isFinite(ms)) {
    throw new DomainError('delay_invalid', `Invalid time duration value: "${raw}".`, `Write delay as a number of milliseconds or with a unit: ${DURATION_FORMS} (e.g. delay=10sec).`);
  }
  if (ms > MAX_DELAY_MS) {
    throw new DomainError('delay_invalid', `A delay of "${raw}" is longer than the 30 days Steward accepts.`, 'Use a shorter delay, or schedule the build later.');
  }
  return Math.max(0, ms);
}
