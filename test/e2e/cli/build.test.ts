import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliRunner } from '../../support/cli.js';
import { jobXml, startTestServer, stringParameter, type TestServer, waitFor } from '../../support/server.js';

const BIN = fileURLToPath(new URL('../../../bin/steward.js', import.meta.url));
let server: TestServer;
const cli = new CliRunner();
let env: NodeJS.ProcessEnv;

const CHOICE = `<hudson.model.ChoiceParameterDefinition><name>ENV</name><choices class="java.util.Arrays$ArrayList"><a class="string-array"><string>dev</string><string>prod</string></a></choices></hudson.model.ChoiceParameterDefinition>`;
/** A shell step whose exit code 3 makes the build UNSTABLE (Jenkins' unstableReturn). */
const UNSTABLE_STEP = '<hudson.tasks.Shell><command>echo almost; exit 3</command><unstableReturn>3</unstableReturn></hudson.tasks.Shell>';

beforeAll(async () => {
  server = await startTestServer({ executors: 4 });
  env = { STEWARD_URL: server.url, STEWARD_AUTH: `admin:${server.adminToken}` };
  await server.createJob('ok', jobXml({ steps: ['echo all good'] }));
  await server.createJob('failing', jobXml({ steps: ['echo about to fail', 'exit 1'] }));
  await server.createJob('unstable', jobXml().replace(/<builders>.*<\/builders>/s, `<builders>${UNSTABLE_STEP}</builders>`));
  await server.createJob('long', jobXml({ steps: ['echo working; sleep 30'] }));
  await server.createJob('params', jobXml({ parameters: stringParameter('BRANCH', 'main') + CHOICE, steps: ['echo "branch=$BRANCH env=$ENV"'] }));
  await server.createJob('disabled', jobXml({ extra: '<disabled>true</disabled>' }));
  // 60 000 numbered lines with pauses in between, so that the log arrives in many pieces while the build runs.
  await server.createJob('chatty', jobXml({ steps: ['seq 1 20000; sleep 0.3; seq 20001 40000; sleep 0.3; seq 40001 60000'] }));
}, 60_000);

afterAll(async () => {
  await server.stop();
  cli.dispose();
});

describe('steward build', () => {
  it.each([
    ['ok', 0, 'SUCCESS'],
    ['unstable', 1, 'UNSTABLE'],
    ['failing', 2, 'FAILURE'],
  ])('-s waits for %s and exits with the result code %i', async (job, code, result) => {
    const run = await cli.run(['build', job, '-s'], { env });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`^Started ${job} #\\d+\\nCompleted ${job} #\\d+ : ${result}\\n$`));
    expect(run.code).toBe(code);
  });

  it('without -w/-s queues and says which queue item; --json gives the ids', async () => {
    const run = await cli.run(['build', 'ok'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Queued ok \(queue item \d+\)\n$/);
    const json = await cli.run(['build', 'ok', '-s', '--json'], { env });
    expect(json.code).toBe(0);
    const data = JSON.parse(json.stdout) as { queueId: number; build: { number: number; result: string; url: string } };
    expect(data.build).toMatchObject({ result: 'SUCCESS', url: `${server.url}job/ok/${data.build.number}/` });
    const item = (await (await server.fetch(`/queue/item/${data.queueId}/api/json`)).json()) as { executable: { number: number } };
    expect(item.executable.number).toBe(data.build.number);
  });

  it('-w returns once the build started, which goes on', async () => {
    const run = await cli.run(['build', 'long', '-w'], { env });
    expect(run.code).toBe(0);
    const number = Number(/^Started long #(\d+)\n$/.exec(run.stdout)?.[1]);
    const build = (await (await server.fetch(`/job/long/${number}/api/json`)).json()) as { building: boolean };
    expect(build.building).toBe(true);
    expect((await server.fetch(`/job/long/${number}/stop`, { method: 'POST' })).status).toBe(302);
  });

  it('-s aborts the build on Ctrl-C (SIGINT) and exits 4 with the ABORTED result', async () => {
    const running = cli.start(['build', 'long', '-s'], { env });
    const number = await waitFor(() => /^Started long #(\d+)$/m.exec(running.stdout())?.[1], 10_000, 'the build to start');
    running.child.kill('SIGINT');
    const run = await running.done;
    expect(run.stderr).toContain(`Aborting long #${number}…`);
    expect(run.stdout).toContain(`Completed long #${number} : ABORTED`);
    expect(run.code).toBe(4);
    const build = (await (await server.fetch(`/job/long/${number}/api/json`)).json()) as { result: string };
    expect(build.result).toBe('ABORTED');
  });

  it('-s cancels the queue item on Ctrl-C while the build waits for its quiet period', async () => {
    const running = cli.start(['build', 'ok', '-s', '--delay', '1min'], { env });
    await waitFor(async () => {
      const queue = (await (await server.fetch('/queue/api/json')).json()) as { items: Array<{ task: { name: string } }> };
      return queue.items.some((item) => item.task.name === 'ok') ? true : undefined;
    });
    running.child.kill('SIGINT');
    const run = await running.done;
    expect(run.stdout).toMatch(/^Cancelled ok \(queue item \d+\) before it started\n$/);
    expect(run.code).toBe(4);
  });

  it('-f detaches on Ctrl-C with 125 while the build goes on', async () => {
    const running = cli.start(['build', 'long', '-f'], { env });
    const number = await waitFor(() => /^Started long #(\d+)$/m.exec(running.stdout())?.[1], 10_000, 'the build to start');
    running.child.kill('SIGINT');
    const run = await running.done;
    expect(run.code).toBe(125);
    expect(run.stderr).toContain(`Stopped following; long #${number} goes on.`);
    expect(run.stdout).not.toContain('Completed');
    const build = (await (await server.fetch(`/job/long/${number}/api/json`)).json()) as { building: boolean };
    expect(build.building).toBe(true);
    expect((await server.fetch(`/job/long/${number}/stop`, { method: 'POST' })).status).toBe(302);
  });

  it('-v streams a long console log completely and in order, then the result', async () => {
    const run = await cli.run(['build', 'chatty', '-s', '-v'], { env });
    expect(run.code).toBe(0);
    const number = Number(/^Started chatty #(\d+)\n/.exec(run.stdout)?.[1]);
    const consoleText = await (await server.fetch(`/job/chatty/${number}/consoleText`)).text();
    expect(run.stdout).toBe(`Started chatty #${number}\n${consoleText}Completed chatty #${number} : SUCCESS\n`);
    const numbers = consoleText.split('\n').filter((line) => /^\d+$/.test(line));
    expect(numbers).toEqual(Array.from({ length: 60000 }, (_, index) => String(index + 1)));
    expect(run.stderr).toBe('');
  });

  it('checks parameters before the trigger, with jenkins-cli messages and exit codes', async () => {
    const unknown = await cli.run(['build', 'params', '-p', 'BRANCHH=x'], { env });
    expect(unknown.stderr).toBe("steward: 'BRANCHH' is not a valid parameter. Did you mean BRANCH?\n  params takes: BRANCH, ENV.\n");
    expect(unknown.code).toBe(2);
    const notParameterized = await cli.run(['build', 'ok', '-p', 'X=1'], { env });
    expect(notParameterized.stderr).toContain('steward: ok is not parameterized but the -p option was specified.');
    expect(notParameterized.code).toBe(4);
    const choice = await cli.run(['build', 'params', '-p', 'ENV=qa'], { env });
    expect(choice.stderr).toContain('steward: Illegal choice for parameter ENV: qa\n  Choose one of: dev, prod.');
    expect(choice.code).toBe(3);
    const malformed = await cli.run(['build', 'params', '-p', 'BRANCH'], { env });
    expect(malformed.stderr).toContain('-p takes KEY=VALUE');
    expect(malformed.code).toBe(2);
    const queued = (await (await server.fetch('/job/params/api/json?tree=nextBuildNumber')).json()) as { nextBuildNumber: number };
    expect(queued.nextBuildNumber).toBe(1);
    const good = await cli.run(['build', 'params', '-p', 'ENV=prod', '-s', '-v'], { env });
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('branch=main env=prod\n');
  });

  it('names the job that does not exist, with the nearest one, and refuses a disabled job', async () => {
    const missing = await cli.run(['build', 'okk'], { env });
    expect(missing.stderr).toContain("steward: No such job 'okk'; perhaps you meant 'ok'?");
    expect(missing.code).toBe(3);
    const disabled = await cli.run(['build', 'disabled'], { env });
    expect(disabled.stderr).toContain('steward: Cannot build disabled: it is disabled.\n  Enable it first: steward job enable disabled');
    expect(disabled.code).toBe(4);
  });

  it('takes a job URL, and the server from it', async () => {
    const run = await cli.run(['build', `${server.url}job/ok/`, '-s'], { env: { STEWARD_AUTH: `admin:${server.adminToken}` } });
    expect(run.stdout).toMatch(/Completed ok #\d+ : SUCCESS/);
    expect(run.code).toBe(0);
  });

  it('triggers with only a trigger token through /buildByToken, and follows the build it started', async () => {
    const response = await server.fetch('/steward/api/v1/trigger-tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'cli', items: ['ok'] }),
    });
    const { value } = (await response.json()) as { value: string };
    const run = await cli.run(['build', 'ok', '-s'], { env: { STEWARD_URL: server.url, STEWARD_TOKEN: value } });
    expect(run.stdout).toMatch(/^Started ok #\d+\nCompleted ok #\d+ : SUCCESS\n$/);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(value);
    const wrong = await cli.run(['build', 'ok'], { env: { STEWARD_URL: server.url, STEWARD_TOKEN: `${value.slice(0, -4)}AAAA` } });
    expect(wrong.stderr).toContain('steward: ');
    expect(wrong.stderr).toContain('(HTTP 401');
    expect(wrong.stderr).not.toContain(value.slice(0, -4));
    expect(wrong.code).toBe(7);
  });

  it('on a terminal shows one status line with the queue reason and the time waited, then clears it', async () => {
    // `script` runs the command on a pseudo-terminal, as a person's shell would.
    const command = `"${process.execPath}" "${BIN}" build ok -s --delay 1500ms`;
    const terminal = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, HOME: cli.home, ...env } });
    let output = '';
    terminal.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    expect(await new Promise((resolve) => terminal.on('close', resolve))).toBe(0);
    expect(output).toMatch(/\r\x1b\[2KWaiting in the queue \(item \d+\): In the quiet period\. Expires in [\d.]+ sec \(\ds\)/);
    expect(output).toMatch(/\r\x1b\[2KStarted ok #\d+\r\n/);
    expect(output).toMatch(/Completed ok #\d+ : SUCCESS\r\n$/);
  });

  it('prints no status line when stderr is not a terminal', async () => {
    const run = await cli.run(['build', 'ok', '-s', '--delay', '300ms'], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('Waiting');
  });
});

describe('steward logs and stop', () => {
  it('prints a finished build log, by number or permalink, and refuses an unknown build', async () => {
    const run = await cli.run(['build', 'failing', '-s'], { env });
    const number = Number(/Completed failing #(\d+)/.exec(run.stdout)?.[1]);
    const consoleText = await (await server.fetch(`/job/failing/${number}/consoleText`)).text();
    expect(consoleText).toContain('about to fail');
    expect((await cli.run(['logs', 'failing', String(number)], { env })).stdout).toBe(consoleText);
    expect((await cli.run(['logs', 'failing', 'lastFailedBuild'], { env })).stdout).toBe(consoleText);
    const missing = await cli.run(['logs', 'failing', '999'], { env });
    expect(missing.stderr).toBe('steward: failing has no build 999.\n');
    expect(missing.code).toBe(3);
    const bad = await cli.run(['logs', 'failing', 'yesterday'], { env });
    expect(bad.code).toBe(2);
  });

  it('-f follows a running build to its end; stop aborts it', async () => {
    const started = await cli.run(['build', 'long', '-w'], { env });
    const number = Number(/Started long #(\d+)/.exec(started.stdout)?.[1]);
    const following = cli.start(['logs', 'long', '-f'], { env });
    await waitFor(() => (following.stdout().includes('working\n') ? true : undefined), 10_000, 'the log to be followed');
    const stop = await cli.run(['stop', 'long', String(number)], { env });
    expect(stop.stdout).toBe(`Stopping long #${number}\n`);
    const followed = await following.done;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('working\n');
    expect(followed.stdout).toMatch(/Finished: ABORTED\n$/);
    const again = await cli.run(['stop', 'long', String(number), '--json'], { env });
    expect(JSON.parse(again.stdout)).toEqual({ job: 'long', number, wasRunning: false, result: 'ABORTED' });
  });
});
