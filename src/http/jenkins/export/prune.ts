import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Bean, type Exported, isBean, isPagedList, type PagedList, type Property } from './bean.js';
import type { Range, TreeNode } from './tree.js';
import { ValueBudget } from './value-budget.js';

/** Decides which properties of a bean are rendered, and how their values are pruned in turn. */
export interface Pruner {
  accept(property: Property): Pruner | null;
  readonly range: Range | null;
}

/** `depth=N`: a property shows when its visibility is at least the level (1−N at the top). */
export function depthPruner(depth: number): Pruner {
  return levelPruner(1 - depth);
}

function levelPruner(level: number): Pruner {
  return {
    range: null,
    accept: (property) => (property.visibility < level ? null : property.inline ? levelPruner(level) : levelPruner(level + 1)),
  };
}

/**
 * `tree=…`: only the named properties show, whatever their visibility; `*` matches any property
 * except those that are never rendered unless named (negative visibility, e.g. `allBuilds`).
 */
export function treePruner(node: TreeNode): Pruner {
  return {
    range: node.range,
    accept: (property) => {
      const child = node.children.get(property.name) ?? (property.visibility >= 0 ? node.children.get('*') : undefined);
      return child ? treePruner(child) : null;
    },
  };
}

/** A bean after pruning: what will be written, in order. */
export interface PrunedObject {
  readonly className: string;
  readonly showClass: boolean;
  readonly entries: ReadonlyArray<readonly [string, PrunedValue]>;
}

export type PrunedValue = null | string | number | boolean | PrunedObject | readonly PrunedValue[];

/** Renders what the pruner accepts of a bean, within the budget of rendered values (else 400 budget_exceeded). */
export function prune(bean: Bean, pruner: Pruner): Promise<PrunedObject> {
  return pruneBean(bean, pruner, new ValueBudget());
}

// The recursion follows the pruner, whose depth is bounded: `depth=` by its maximum, `tree=` by its parser.
async function pruneBean(bean: Bean, pruner: Pruner, budget: ValueBudget): Promise<PrunedObject> {
  const entries: Array<readonly [string, PrunedValue]> = [];
  for (const property of bean.properties) {
    const child = pruner.accept(property);
    if (!child) continue;
    const value = await property.get();
    if (value === undefined) continue;
    if (budget.spend()) await nextTurn();
    entries.push([property.name, await pruneValue(value, child, budget)]);
  }
  return { className: bean.className, showClass: bean.showClass, entries };
}

async function pruneValue(value: Exclude<Exported, undefined>, pruner: Pruner, budget: ValueBudget): Promise<PrunedValue> {
  if (Array.isArray(value)) {
    const { range } = pruner;
    return pruneElements(range ? value.slice(range.from, range.to ?? undefined) : value, pruner, budget);
  }
  if (isPagedList(value as Exported)) return prunePages(value as PagedList, pruner, budget);
  if (isBean(value as Exported)) return pruneBean(value as Bean, pruner, budget);
  return value as PrunedValue;
}

async function pruneElements(elements: readonly Exported[], pruner: Pruner, budget: ValueBudget, out: PrunedValue[] = []): Promise<PrunedValue[]> {
  for (const element of elements) {
    if (element === undefined) continue;
    if (budget.spend()) await nextTurn();
    out.push(await pruneValue(element, pruner, budget));
  }
  return out;
}

/** Pages a store-backed list are read in: a range reads only its own pages. */
const PAGE_SIZE = 500;

async function prunePages(list: PagedList, pruner: Pruner, budget: ValueBudget): Promise<PrunedValue[]> {
  const from = pruner.range?.from ?? 0;
  const to = Math.min(pruner.range?.to ?? Number.POSITIVE_INFINITY, list.shown);
  const out: PrunedValue[] = [];
  for (let offset = from; offset < to; offset += PAGE_SIZE) {
    const limit = Math.min(PAGE_SIZE, to - offset);
    const page = await list.page(offset, limit);
    await pruneElements(page, pruner, budget, out);
    if (page.length < limit) break;
  }
  return out;
}

export function isPrunedObject(value: PrunedValue): value is PrunedObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
