import type { Scope } from '../../jenkins/scope.js';

/** Administration pages under `/manage/`: null when `rest` names none of them. */
export async function serveManage(_scope: Scope, _rest: readonly string[]): Promise<Response | null> {
  return null;
}
