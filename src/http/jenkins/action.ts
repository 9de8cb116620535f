import type { Scope } from './scope.js';

export type ActionHandler = (scope: Scope) => Promise<Response>;
/** An action: handlers by method; `ANY` answers every method. */
export type Action = Partial<Record<'GET' | 'POST' | 'DELETE' | 'ANY', ActionHandler>>;
/** The actions of one object, by the path below it (`''` is the object itself). */
export type ActionTable = Record<string, Action>;

/**
 * Joins action tables: the compatibility layer's and the web interface's answer different methods of
 * the same path (a job's `''` is the page for GET and Jenkins' delete for DELETE).
 */
export function mergeActions(...tables: readonly ActionTable[]): ActionTable {
  const merged: ActionTable = {};
  for (const table of tables) {
    for (const [path, action] of Object.entries(table)) merged[path] = { ...merged[path], ...action };
  }
  return merged;
}
