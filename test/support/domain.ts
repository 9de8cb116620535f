import type { Build } from '../../src/core/build.js';
import { defaultJobSettings, type Job, type JobSettings } from '../../src/core/item.js';

/** A job at the top level, as the store would hand it to the queue or a runner. */
export function testJob(id: number, name: string, settings: Partial<JobSettings> = {}, nextBuildNumber = 2): Job {
  return {
    kind: 'job',
    id,
    name,
    fullName: name,
    parentId: null,
    ancestorIds: [],
    sourceConfig: null,
    createdAt: 0,
    updatedAt: 0,
    nextBuildNumber,
    settings: { ...defaultJobSettings(), ...settings },
  };
}

/** Build #1 of a job, running. */
export function testBuild(jobId: number, changes: Partial<Build> = {}): Build {
  return {
    jobId,
    number: 1,
    queueId: 1,
    state: 'running',
    result: null,
    startedAt: 1000,
    durationMs: 0,
    causes: [],
    parameters: null,
    node: 'built-in',
    executor: 0,
    interruption: null,
    ...changes,
  };
}
