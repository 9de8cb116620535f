import type { Command } from 'commander';
import { Client } from '../client.js';
import { type CliContext, connect, withConnection } from '../context.js';
import { Probe } from '../doctor/probe.js';
import { printReport, reportData } from '../doctor/report.js';
import { diagnose } from '../doctor/run.js';
import type { DoctorRun } from '../doctor/state.js';
import { parseTarget } from '../doctor/target.js';
import { ExitCode } from '../exit-codes.js';
import { collectParameter } from '../parameters.js';

interface DoctorOptions {
  parameter: Array<[string, string]>;
  request?: string;
  try?: boolean;
  json?: boolean;
}

export function registerDoctor(program: Command, context: CliContext): void {
  const command = program
    .command('doctor')
    .description('find out, step by step, why triggering a job fails or would fail with these credentials; changes nothing unless --try')
    .argument('[job]', 'full name (team/app), or the trigger URL as your script uses it (…/job/app/build?token=…, …/buildByToken/build?job=app&token=…)')
    .option('-p, --parameter <KEY=VALUE>', 'a parameter value to check against the job (repeatable)', collectParameter, [])
    .option('-X, --request <method>', 'the method the URL is sent with, as curl -X: GET (curl\'s default) or POST')
    .option('--try', 'trigger the job for real at the end and report the answer')
    .option('--json', 'print the checks as JSON');
  withConnection(command, { token: true });
  command.addHelpText(
    'after',
    `
Prints a checklist: ✓ passed, ✗ failed (with its cause and the fix), – skipped (and why).
Exit codes: 0 nothing failed, 1 some check failed, 2 bad arguments.

Examples:
  steward doctor                                   the server and your credentials
  steward doctor team/app -p BRANCH=main           would steward build team/app -p BRANCH=main work?
  steward doctor -X POST 'https://ci/job/app/build?token=…' --auth @~/.ci-auth
  steward doctor 'https://ci/buildByToken/build?job=app&token=…'
  steward doctor team/app --try --json             trigger it too, and print the result as data`,
  );
  command.action(async (job: string | undefined, options: DoctorOptions, self: Command) => {
    const target = parseTarget(job, options.request);
    const client = connect(context, self, target.server);
    const fromUrl = target.url?.searchParams.get('token');
    const token = fromUrl ? { value: fromUrl, source: 'the URL' } : client.connection.token;
    const run: DoctorRun = {
      target,
      client,
      reader: new Client({ ...client.connection, token: null }, context.out),
      probe: new Probe(client.root, client.credential),
      token,
      parameters: options.parameter,
      tryIt: Boolean(options.try),
      facts: { server: null, anonymousReads: null, anonymousAnswer: null, credentialAccepted: null, credentialKind: null, item: null, mayBuild: null, crumbRequired: null, tokenRootExists: null, jobTakesToken: null },
    };
    const checks = await diagnose(run);
    if (options.json) context.out.json(reportData(run, checks));
    else printReport(context.out, run, checks);
    process.exitCode = checks.some((check) => check.status === 'fail') ? ExitCode.failure : ExitCode.ok;
  });
}
