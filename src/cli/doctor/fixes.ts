import { type DoctorRun, isSteward } from './state.js';

/**
 * The fixes that differ between Steward and Jenkins: where a setting lives and how a permission is
 * granted. Each is one sentence a person can act on, naming the exact command, setting or grant.
 */

/** The principal a grant names: `user:alice`, or `anonymous`. */
function principal(run: DoctorRun): string {
  return run.client.credential ? `user:${run.client.credential.user}` : 'anonymous';
}

export function grantFix(run: DoctorRun, permission: string, item: string): string {
  if (isSteward(run)) {
    return `an administrator grants ${permission} on ${item} to ${principal(run)}: in the configuration file, grants: { "${principal(run)}": [${permission === 'Job/Read' ? 'Job/Read' : `Job/Read, ${permission}`}] } on ${item} or a folder above it; or PUT /steward/api/v1/security/grants?item=${item}`;
  }
  return `an administrator grants ${permission} on ${item} to ${run.client.credential?.user ?? 'anonymous'} (Manage Jenkins → Security → Authorization, or the job's project-based security)`;
}

export function apiTokenFix(run: DoctorRun): string {
  const user = run.client.credential?.user ?? 'USER';
  const where = isSteward(run) ? '' : ` (on Jenkins: ${user} → Security → API Token → Add new token)`;
  return `create an API token (steward token create NAME)${where} and use --auth ${user}:TOKEN (curl -u ${user}:TOKEN)`;
}

export function allowAnonymousReadFix(run: DoctorRun): string {
  return isSteward(run) ? 'an administrator sets security.allowAnonymousRead: true in the configuration file' : 'an administrator allows anonymous read access (Manage Jenkins → Security)';
}

export function enableFix(run: DoctorRun, fullName: string): string {
  return `steward job enable ${fullName}${isSteward(run) ? ' (or disabled: false for it in the configuration file)' : " (or the job's Enable button)"}`;
}

export function setTokenFix(run: DoctorRun, fullName: string): string {
  if (isSteward(run)) {
    return `give ${fullName} a token: authToken: \${TOKEN} for it in the configuration file (or <authToken> in its config.xml), or a trigger token: steward token create ci --trigger --job ${fullName}`;
  }
  return `give ${fullName} a token: tick "Trigger builds remotely" in its configuration and set the token`;
}

/** The token-only URL for a job, its token shown as TOKEN. */
export function tokenRootUrl(run: DoctorRun, fullName: string, parameterized: boolean): string {
  return `'${run.probe.root.href}buildByToken/${parameterized ? 'buildWithParameters' : 'build'}?job=${fullName}&token=TOKEN'`;
}
