import type { ReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import { type CliContext, connect, withConnection } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { Interrupts } from '../interrupts.js';
import { parseJobRef } from '../job-ref.js';
import { followLog, LOG_READ_TIMEOUT_MS, readBuild } from '../watch.js';

export function registerLogs(program: Command, context: CliContext): void {
  const command = program
    .command('logs')
    .description("print a build's console log; with -f follow it until the build ends")
    .argument('<job>', 'full name (team/app) or the job URL')
    .argument('[build]', 'build number or permalink (lastBuild, lastFailedBuild, …)', 'lastBuild')
    .option('-f, --follow', 'keep printing as the build writes, until it ends');
  withConnection(command, { token: true });
  command.addHelpText(
    'after',
    `
Examples:
  steward logs team/app                 the latest build's log
  steward logs team/app 42              build 42
  steward logs team/app -f              follow the latest build live; Ctrl-C stops following
  steward logs app lastFailedBuild | grep -n error`,
  );
  command.action(async (job: string, buildName: string, options: { follow?: boolean }, self: Command) => {
    const ref = parseJobRef(job);
    const client = connect(context, self, ref.server);
    const { number } = await readBuild(client, ref, buildName, 'number');
    const buildPath = `${ref.path}${number}/`;
    if (!options.follow) {
      // Streamed: a log can be larger than the memory (or the longest string) this process has.
      const response = await client.expect(await client.send('GET', `${buildPath}consoleText`, { timeoutMs: LOG_READ_TIMEOUT_MS }), `${buildPath}consoleText`);
      if (response.body) await context.out.rawStream(response.body as ReadableStream<Uint8Array>);
      return;
    }
    const interrupts = new Interrupts();
    try {
      await followLog(client, buildPath, (text) => context.out.raw(text), {
        interrupts,
        queueId: 0,
        number,
        onInterrupt: async () => process.exit(ExitCode.interrupted),
      });
    } finally {
      interrupts.dispose();
    }
  });
}
