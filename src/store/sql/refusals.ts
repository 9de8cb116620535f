import { DomainError } from '../../core/errors.js';

/** The refusals both SQL backends make in the same words. */

export function itemNameTaken(name: string, hint = 'Choose another name, or update the existing item.'): DomainError {
  return new DomainError('name_taken', `A job already exists with the name "${name}".`, hint).with({ name });
}

export function nodeNameTaken(name: string): DomainError {
  return new DomainError('name_taken', `A node already exists with the name "${name}".`, 'Choose another name, or update the existing node.').with({ name, kind: 'node' });
}

export function nodeNotFound(name: string): DomainError {
  return new DomainError('item_not_found', `No node named "${name}".`, 'List the nodes at /computer/api/json.');
}

export function queueFull(waiting: number): DomainError {
  return new DomainError('queue_full', `The queue already holds ${waiting} builds of this job, its limit.`, 'Wait for some to start, cancel some, or raise the job\'s maxQueued.');
}

/** How long a caller refused for a full disk is asked to wait before trying again. */
export const DISK_FULL_RETRY_SECONDS = 30;

/** A change refused because the disk of the database is full or failing (`detail`: the error's words). */
export function diskFull(detail: string): DomainError {
  return new DomainError(
    'disk_full',
    `Steward could not save this change: its disk is full or failing (${detail}).`,
    'Nothing acknowledged earlier was lost. An administrator must free space on the disk of the Steward home (old build logs, workspaces); Steward carries on by itself once there is room. Try again after Retry-After.',
    undefined,
    DISK_FULL_RETRY_SECONDS,
  );
}
