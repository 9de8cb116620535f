import type { Command } from 'commander';
import { type CliContext, connect, withConnection } from '../context.js';
import { parseJobRef } from '../job-ref.js';
import { readBuild } from '../watch.js';

export function registerStop(program: Command, context: CliContext): void {
  const command = program
    .command('stop')
    .description('abort a running build (as its Stop button does)')
    .argument('<job>', 'full name (team/app) or the job URL')
    .argument('[build]', 'build number or permalink', 'lastBuild')
    .option('--json', 'print the build stopped as JSON');
  withConnection(command, { token: true });
  command.addHelpText('after', '\nExamples:\n  steward stop team/app 42\n  steward stop team/app            the latest build');
  command.action(async (job: string, buildName: string, options: { json?: boolean }, self: Command) => {
    const ref = parseJobRef(job);
    const client = connect(context, self, ref.server);
    const build = await readBuild<{ number: number; building: boolean; result: string | null }>(client, ref, buildName, 'number,building,result');
    if (build.building) await (await client.post(`${ref.path}${build.number}/stop`)).body?.cancel();
    if (options.json) context.out.json({ job: ref.fullName, number: build.number, wasRunning: build.building, result: build.result });
    else context.out.line(build.building ? `Stopping ${ref.fullName} #${build.number}` : `${ref.fullName} #${build.number} is not running (${build.result}); nothing to stop`);
  });
}
