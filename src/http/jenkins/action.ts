import type { Scope } from './scope.js';

export type ActionHandler = (scope: Scope) => Promise<Response>;
/** An action: handlers by method; `ANY` answers every method. */
export type Action = Partial<Record<'GET' | 'POST' | 'DELETE' | 'ANY', ActionHandler>>;
/** The actions of one object, by the path below it (`''` is the object itself). */
export type ActionTable = Record<string, Action>;

/**
 * The action at a path among an object's tables: the compatibility layer's and the web interface's
 * answer different methods of the same path (a job's `''` is the page for GET and Jenkins' delete
 * for DELETE), so the handlers found at the path are joined. Only that path's entries are read.
 */
export function findAction(tables: readonly ActionTable[], path: string): Action | undefined {
  let found: Action | undefined;
  for (const table of tables) {
    const action = Object.hasOwn(table, path) ? table[path] : undefined;
    if (action) found = found ? { ...found, ...action } : action;
  }
  return found;
}
