import type { RawOutcome } from '../../support/raw-http.js';
import type { Violation } from './check.js';
import type { FuzzCase } from './generate.js';

/**
 * Defects the suite finds that are not fixed yet, each outside the suite's own files, with the
 * requests that show them. A violation that matches an entry is reported in the summary but does not
 * fail the run. EMPTY THIS LIST AS THE DEFECTS ARE FIXED: an entry whose focused cases (focused.ts) no
 * longer fail makes the run fail, so that it is removed once its fix lands.
 */
export interface KnownFailure {
  readonly id: string;
  /** The file where the fix belongs. */
  readonly area: string;
  readonly description: string;
  /** Focused cases that show it and must fail while it is listed (none for a defect that shows only sometimes). */
  readonly focused: readonly string[];
  /** Whether this violation of a case (focused or fuzzed) is this defect. */
  matches(testCase: Pick<FuzzCase, 'id' | 'route' | 'mutations' | 'request'>, violation: Violation, outcome: RawOutcome): boolean;
}

export const KNOWN_FAILURES: readonly KnownFailure[] = [];
