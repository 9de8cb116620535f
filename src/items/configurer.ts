import type { Item, Job } from '../core/item.js';

/**
 * Who saves a job's settings, when a person does (the configuration file, written by an
 * administrator, has none): the credentials a job names must be ones this person may use there, the
 * jobs its build triggers name ones this person may see, and a downstream job one it may build
 * (Jenkins' `BuildTrigger` check), or else anyone who may configure one job could reach another's.
 */
export interface Configurer {
  readonly name: string;
  /** Credentials/UseItem on the job, or on its folder for a new job. */
  mayUseCredentials(where: Item | null): boolean;
  canRead(item: Item): boolean;
  /** Refuses (403, naming Job/Build) when this person may not build the job. */
  checkBuild(job: Job): void;
}
