import { describe, expect, it } from 'vitest';
import { isDomainError } from './errors.js';
import { candidateFullNames, checkProjectTrigger, findCycle, meetsThreshold, projectNames } from './job-edges.js';

describe('thresholds', () => {
  it('start a downstream build when the upstream result is at least as good, as Jenkins compares results', () => {
    expect(meetsThreshold('SUCCESS', 'SUCCESS')).toBe(true);
    expect(meetsThreshold('UNSTABLE', 'SUCCESS')).toBe(false);
    expect(meetsThreshold('UNSTABLE', 'UNSTABLE')).toBe(true);
    expect(meetsThreshold('FAILURE', 'UNSTABLE')).toBe(false);
    expect(meetsThreshold('FAILURE', 'FAILURE')).toBe(true);
    expect(meetsThreshold('SUCCESS', 'FAILURE')).toBe(true);
  });

  it('never start one after an aborted or not built upstream build, or one without a result', () => {
    for (const threshold of ['SUCCESS', 'UNSTABLE', 'FAILURE'] as const) {
      expect(meetsThreshold('ABORTED', threshold)).toBe(false);
      expect(meetsThreshold('NOT_BUILT', threshold)).toBe(false);
      expect(meetsThreshold(null, threshold)).toBe(false);
    }
  });

  it('are checked with the trigger: a known threshold and at least one project', () => {
    expect(() => checkProjectTrigger({ projects: ['a'], threshold: 'UNSTABLE' }, 'upstreamTrigger')).not.toThrow();
    const refused = (run: () => void) => {
      try {
        run();
      } catch (error) {
        return isDomainError(error) ? [error.code, error.field] : error;
      }
      return null;
    };
    expect(refused(() => checkProjectTrigger({ projects: [], threshold: 'SUCCESS' }, 'downstreamTrigger'))).toEqual(['config_invalid', 'downstreamTrigger.projects']);
    expect(refused(() => checkProjectTrigger({ projects: ['a'], threshold: 'ABORTED' as 'SUCCESS' }, 'upstreamTrigger'))).toEqual(['config_invalid', 'upstreamTrigger.threshold']);
  });
});

describe('project names', () => {
  it("are Jenkins' comma-separated list", () => {
    expect(projectNames(' a, folder/b ,, c ')).toEqual(['a', 'folder/b', 'c']);
    expect(projectNames('')).toEqual([]);
  });

  it('mean a job of the same folder first, then a full name; a leading / is a full name; .. goes up', () => {
    expect(candidateFullNames(null, 'a')).toEqual(['a']);
    expect(candidateFullNames('team', 'a')).toEqual(['team/a', 'a']);
    expect(candidateFullNames('team', 'sub/a')).toEqual(['team/sub/a', 'sub/a']);
    expect(candidateFullNames('team', '/a')).toEqual(['a']);
    expect(candidateFullNames('team/app', '../lib')).toEqual(['team/lib', '../lib']);
    expect(candidateFullNames('team', './a')).toEqual(['team/a', './a']);
  });
});

describe('cycles', () => {
  const graph = (edges: Record<number, number[]>) => (job: number) => edges[job] ?? [];

  it('are found through any chain of downstream edges, with their path from and back to the job', () => {
    expect(findCycle(1, graph({ 1: [2], 2: [3], 3: [1] }))).toEqual([1, 2, 3, 1]);
    expect(findCycle(1, graph({ 1: [1] }))).toEqual([1, 1]);
    expect(findCycle(1, graph({ 1: [2, 3], 3: [4], 4: [1] }))).toEqual([1, 3, 4, 1]);
  });

  it('are not a diamond, nor a cycle the job is not on', () => {
    expect(findCycle(1, graph({ 1: [2, 3], 2: [4], 3: [4] }))).toBeNull();
    expect(findCycle(1, graph({ 1: [2], 2: [3], 3: [2] }))).toBeNull();
  });
});
