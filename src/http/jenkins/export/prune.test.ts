import { describe, expect, it } from 'vitest';
import { Refusal } from '../../errors.js';
import { bean, type Exported } from './bean.js';
import { depthPruner, prune } from './prune.js';
import { MAX_RENDERED_VALUES } from './value-budget.js';

/** A bean whose one property is a list of `count` numbers: `count + 1` rendered values. */
const list = (count: number) => bean('test.List', [['items', 1, () => Array.from({ length: count }, (_, i) => i) as Exported]]);

describe('prune within the budget of rendered values', () => {
  it('renders exactly the budget', async () => {
    const pruned = await prune(list(MAX_RENDERED_VALUES - 1), depthPruner(0));
    expect((pruned.entries[0]?.[1] as unknown[]).length).toBe(MAX_RENDERED_VALUES - 1);
  });

  it('refuses one value more with 400 budget_exceeded pointing to tree= and ranges', async () => {
    const refused = await prune(list(MAX_RENDERED_VALUES), depthPruner(0)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Refusal);
    expect(refused).toMatchObject({ code: 'budget_exceeded', message: expect.stringContaining('more than 500,000 values') });
    expect((refused as Refusal).hint).toContain('tree=');
  });

  it('lets the event loop turn while it renders', async () => {
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    await prune(list(200_000), depthPruner(0));
    clearInterval(ticker);
    expect(turns).toBeGreaterThan(0);
  });
});
