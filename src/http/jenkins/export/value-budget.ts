import { Refusal } from '../../errors.js';

/**
 * The most values one answer may render: every property shown and every array element counts one.
 * Measured (docs/jenkins-compat.md, "Budgets"): `/api/json?depth=2` on a server of 100 jobs with 100
 * builds each (the most `builds` lists) renders 347,224 values, 8 MB of JSON; an answer at this budget
 * costs the server about 125 MB and several seconds, so beyond it the caller is asked to name fields
 * with `tree=` and to use ranges.
 */
export const MAX_RENDERED_VALUES = 500_000;

/** Values rendered between two turns of the event loop, so that a large answer never stalls other requests. */
const VALUES_PER_TURN = 1_000;

/** Counts rendered values against `MAX_RENDERED_VALUES`. */
export class ValueBudget {
  private spent = 0;

  /**
   * Counts one value, refusing the request (400 `budget_exceeded`) past the budget. Returns true every
   * `VALUES_PER_TURN` values: the caller should then let the event loop turn (`setImmediate`). It is
   * synchronous otherwise, so counting costs a normal answer next to nothing.
   */
  spend(): boolean {
    this.spent++;
    if (this.spent > MAX_RENDERED_VALUES) {
      throw new Refusal(
        'budget_exceeded',
        `This answer would render more than ${MAX_RENDERED_VALUES.toLocaleString('en-US')} values, the most one request may render.`,
        'Name the fields you need with tree= and limit lists with ranges, e.g. tree=jobs[name,builds[number,result]{0,10}]; or use a smaller depth.',
      );
    }
    return this.spent % VALUES_PER_TURN === 0;
  }
}
