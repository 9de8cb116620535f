import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliRunner } from '../../support/cli.js';
import { FOLDER_XML, jobXml, startTestServer, type TestServer } from '../../support/server.js';

const BIN = fileURLToPath(new URL('../../../bin/steward.js', import.meta.url));
let server: TestServer;
const cli = new CliRunner();

beforeAll(async () => {
  server = await startTestServer();
  await server.createJob('app', jobXml());
  await server.createJob('api', jobXml());
  await server.createJob('team', FOLDER_XML);
  await server.createJob('team/deploy', jobXml());
}, 60_000);

afterAll(async () => {
  await server.stop();
  cli.dispose();
});

/**
 * Loads the generated script into a real shell and asks it to complete each line (the last word is
 * the one being completed), as the shell does on Tab; zsh runs the function the way bashcompinit does.
 */
async function complete(shell: 'bash' | 'zsh', lines: string[][]): Promise<string[]> {
  const script = await cli.run(['completion', shell]);
  expect(script.code).toBe(0);
  const file = join(cli.home, `steward.${shell}`);
  writeFileSync(file, script.stdout);
  const prelude =
    shell === 'bash'
      ? `source ${file}\n`
      : `autoload -U compinit && compinit -u\nsource ${file}\n`;
  const sh = shell === 'zsh' ? 'emulate -L sh; setopt kshglob noshglob braceexpand; ' : '';
  const calls = lines.map((words) => `try ${words.map((word) => `'${word}'`).join(' ')}`).join('\n');
  const program = `${prelude}steward() { "${process.execPath}" "${BIN}" "$@"; }
try() { ${sh}COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _steward; echo "\${COMPREPLY[*]}"; }
${calls}
`;
  // Not spawnSync: the server answering `steward __complete jobs` runs in this process.
  const child = spawn(shell, shell === 'zsh' ? ['-f'] : ['--norc', '--noprofile'], {
    env: { ...process.env, HOME: cli.home, STEWARD_URL: server.url, STEWARD_AUTH: `admin:${server.adminToken}` },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(program);
  await new Promise((resolve) => child.on('close', resolve));
  expect(stderr).toBe('');
  return stdout.split('\n').slice(0, lines.length);
}

describe.each(['bash', 'zsh'] as const)('steward completion %s', (shell) => {
  it('completes commands, subcommands, options and job names from the server', async () => {
    const answers = await complete(shell, [
      ['steward', 'bu'],
      ['steward', '-s', 'http://ci.example/', 'bu'],
      ['steward', 'job', 'en'],
      ['steward', 'build', '--de'],
      ['steward', 'build', 'a'],
      ['steward', 'logs', 'team/'],
      ['steward', 'build', 'app', 'x'],
      ['steward', 'build', '--server', ''],
    ]);
    expect(answers).toEqual(['build', 'build', 'enable', '--delay', 'api app', 'team/deploy', '', '']);
  });
});

describe('steward completion', () => {
  it('refuses another shell', async () => {
    const run = await cli.run(['completion', 'fish']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('No completion for "fish": choose bash or zsh.');
  });
});
