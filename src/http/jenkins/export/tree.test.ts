import { describe, expect, it } from 'vitest';
import { Refusal } from '../../errors.js';
import { MAX_TREE_DEPTH, parseTree, type TreeNode } from './tree.js';

function shape(node: TreeNode): unknown {
  return Object.fromEntries([...node.children].map(([name, child]) => [name, child.children.size > 0 || child.range ? { ...(child.range ? { range: child.range } : {}), ...(shape(child) as object) } : true]));
}

describe('parseTree', () => {
  it('parses names, nesting and ranges', () => {
    expect(shape(parseTree('name,builds[number,url]{0,10},jobs{1},x{2,},y{,3}'))).toEqual({
      name: true,
      builds: { range: { from: 0, to: 10 }, number: true, url: true },
      jobs: { range: { from: 1, to: 2 } },
      x: { range: { from: 2, to: null } },
      y: { range: { from: 0, to: 3 } },
    });
  });

  it('parses deep nesting with *', () => {
    expect(shape(parseTree('actions[*[*[*]]]'))).toEqual({ actions: { '*': { '*': { '*': true } } } });
  });

  it.each(['jobs[name', 'a]', 'a{1}{2}', 'a{x}', 'a{}', ',', 'a,,b', 'a[]', ''])('refuses %j with the grammar', (text) => {
    expect(() => parseTree(text)).toThrow(Refusal);
    try {
      parseTree(text);
    } catch (error) {
      expect((error as Refusal).code).toBe('tree_invalid');
      expect((error as Refusal).hint).toContain('ranges {N}');
    }
  });

  it(`accepts ${MAX_TREE_DEPTH} levels of nesting and refuses deeper ones without overflowing the stack`, () => {
    const nested = (levels: number) => `${'a['.repeat(levels)}a${']'.repeat(levels)}`;
    expect(parseTree(nested(MAX_TREE_DEPTH)).children.has('a')).toBe(true);
    for (const levels of [MAX_TREE_DEPTH + 1, 100_000]) {
      expect(() => parseTree(nested(levels))).toThrow(`nests deeper than ${MAX_TREE_DEPTH} levels`);
    }
  });
});
