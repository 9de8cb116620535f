import { checkAnonymousRead, checkCredential, checkCredentialKind, checkJobBuildable, checkJobVisible, checkParametersFit, checkServer } from './access-checks.js';
import { Unreachable } from './probe.js';
import { type Check, type CheckId, CHECK_IDS, type DoctorRun, skip } from './state.js';
import { checkBuildPermission, checkCrumb, checkMethod, checkShellAmpersand, checkToken, checkTokenRoot } from './trigger-checks.js';
import { checkTry } from './try-check.js';

const CHECKS: Record<CheckId, (run: DoctorRun) => Promise<Check>> = {
  server: checkServer,
  credential: checkCredential,
  credential_kind: checkCredentialKind,
  anonymous_read: checkAnonymousRead,
  job_visible: checkJobVisible,
  job_buildable: checkJobBuildable,
  parameters: checkParametersFit,
  build_permission: checkBuildPermission,
  crumb: checkCrumb,
  method: checkMethod,
  build_token_root: checkTokenRoot,
  token: checkToken,
  shell_ampersand: checkShellAmpersand,
  try: checkTry,
};

/** Checks that look only at the URL as given, and so still mean something when the server cannot be asked. */
const OFFLINE: ReadonlySet<CheckId> = new Set(['shell_ampersand']);

/**
 * Runs every check in order. When the server does not answer, or refuses the credential (then
 * every request with it is a 401), the checks after that are skipped with that reason, except
 * those that need no server. A server that stops answering midway skips the rest the same way.
 */
export async function diagnose(run: DoctorRun): Promise<Check[]> {
  const checks: Check[] = [];
  let blocked: string | null = null;
  for (const id of CHECK_IDS) {
    if (blocked !== null && !OFFLINE.has(id)) {
      checks.push(skip(id, blocked));
      continue;
    }
    let check: Check;
    try {
      check = await CHECKS[id](run);
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      blocked = `the server stopped answering (${error.code})`;
      check = skip(id, blocked);
    }
    checks.push(check);
    if (id === 'server' && check.status === 'fail') blocked = 'the server check failed';
    if (id === 'credential' && check.status === 'fail') blocked = 'the credential is refused, so every request with it fails';
  }
  return checks;
}
