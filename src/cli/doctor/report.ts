import type { Output } from '../output.js';
import type { Check, DoctorRun } from './state.js';
import { shownUrl } from './target.js';

const MARKS = { pass: '✓', fail: '✗', skip: '–' } as const;

/** The diagnosis as data: what `--json` prints. Secrets never appear, URLs show the token as TOKEN. */
export function reportData(run: DoctorRun, checks: readonly Check[]) {
  const { client, target } = run;
  return {
    server: { url: client.root.href, source: client.connection.serverSource, kind: run.facts.server?.kind ?? null, version: run.facts.server?.version ?? null },
    job: target.fullName,
    request: target.url ? { method: target.method, url: shownUrl(target.url) } : null,
    credential: client.credential ? { user: client.credential.user, source: client.credential.source, kind: run.facts.credentialKind } : null,
    token: run.token ? { source: run.token.source } : null,
    checks,
    ok: checks.every((check) => check.status !== 'fail'),
  };
}

/**
 * The checklist for a person: a header saying what was diagnosed where and as whom, one line per
 * check (✓ pass, ✗ fail, – skipped), each ✗ followed by its cause and fix, and a summary.
 */
export function printReport(out: Output, run: DoctorRun, checks: readonly Check[]): void {
  const data = reportData(run, checks);
  const what = run.target.url ? `${run.target.method} ${shownUrl(run.target.url)}` : run.target.fullName ? `triggering ${run.target.fullName}` : 'the connection';
  const server = data.server.kind ? `${data.server.kind === 'steward' ? 'Steward' : 'Jenkins'} ${data.server.version}` : 'not identified';
  const as = data.credential ? `as ${data.credential.user} (from ${data.credential.source})` : 'as anonymous';
  const token = run.token ? `, with a token from ${run.token.source}` : '';
  out.line(`Diagnosing ${what} on ${data.server.url} (from ${data.server.source}; ${server}) ${as}${token}`);
  out.line('');
  for (const check of checks) {
    if (check.status === 'skip') {
      out.line(`${MARKS.skip} ${check.title} (skipped: ${check.detail})`);
      continue;
    }
    out.line(`${MARKS[check.status]} ${check.title}`);
    if (check.status === 'fail') {
      out.line(`    cause: ${check.detail}`);
      out.line(`    fix:   ${check.fix}`);
    } else if (check.detail) {
      out.line(`    ${check.detail}`);
    }
  }
  out.line('');
  const failed = checks.filter((check) => check.status === 'fail');
  if (failed.length === 0) {
    const tried = checks.some((check) => check.id === 'try' && check.status === 'pass');
    out.line(tried ? 'No problems found, and the trigger worked.' : run.target.fullName ? 'No problems found: the trigger should work (--try triggers it for real).' : 'No problems found.');
  } else {
    out.line(`${failed.length} problem${failed.length === 1 ? '' : 's'} found: ${failed.map((check) => check.id).join(', ')}.`);
  }
}
