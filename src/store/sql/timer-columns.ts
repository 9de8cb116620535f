import type { TimerPurpose } from '../types.js';

/** The items' column holding each timer's next time; each has a partial index of the jobs that have one. */
export const TIMER_COLUMNS: Readonly<Record<TimerPurpose, string>> = { build: 'timer_next_at', poll: 'poll_next_at' };
