import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killProcesses, processesRunning } from '../support/processes.js';
import { jobXml, queueIdOf, startTestServer, stringParameter, type TestServer, waitFor, waitForBuild, waitForLog } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ executors: 4, killGraceMs: 500 });
});
afterAll(async () => {
  await server.stop();
});

async function trigger(job: string, query = ''): Promise<number> {
  const response = await server.fetch(`/job/${job}/${query ? 'buildWithParameters' : 'build'}${query}`, { method: 'POST' });
  expect(response.status).toBeLessThan(400);
  return queueIdOf(response);
}

async function buildNumberOf(queueId: number): Promise<number> {
  return waitFor(async () => {
    const item = (await (await server.fetch(`/queue/item/${queueId}/api/json`)).json()) as { executable?: { number: number } | null };
    return item.executable?.number;
  });
}

async function runToEnd(job: string, query = ''): Promise<{ number: number; json: Record<string, unknown>; log: string }> {
  const number = await buildNumberOf(await trigger(job, query));
  const json = await waitForBuild(server, `/job/${job}`, number);
  const log = await (await server.fetch(`/job/${job}/${number}/consoleText`)).text();
  return { number, json, log };
}

describe('running builds', () => {
  it('runs shell steps like Jenkins (sh -xe), with the log header and footer', async () => {
    await server.createJob('hello', jobXml({ steps: ['echo one', 'echo two'] }));
    const { json, log } = await runToEnd('hello');
    expect(json).toMatchObject({ _class: 'hudson.model.FreeStyleBuild', result: 'SUCCESS', building: false, number: 1, id: '1', displayName: '#1', fullDisplayName: 'hello #1' });
    expect(json.duration as number).toBeGreaterThan(0);
    expect(log).toMatch(/^Started by user admin\nBuilding in workspace .*\n\[hello\] \$ \/bin\/sh -xe .*\n\+ echo one\none\n\[hello\] \$ \/bin\/sh -xe .*\n\+ echo two\ntwo\nFinished: SUCCESS\n$/);
  });

  it('fails on the first failing command and skips later steps', async () => {
    await server.createJob('failing', jobXml({ steps: ['echo before; false; echo never', 'echo second-step'] }));
    const { json, log } = await runToEnd('failing');
    expect(json.result).toBe('FAILURE');
    expect(log).toContain('+ false\n');
    expect(log).not.toContain('never');
    expect(log).not.toContain('second-step');
    expect(log).toContain("Build step 'Execute shell' marked build as failure\nFinished: FAILURE\n");
  });

  it('marks the build UNSTABLE for the unstable return code and runs the next step', async () => {
    await server.createJob('unstable', jobXml({ extra: '', steps: [] }).replace('<builders></builders>', '<builders><hudson.tasks.Shell><command>exit 3</command><unstableReturn>3</unstableReturn></hudson.tasks.Shell><hudson.tasks.Shell><command>echo after</command></hudson.tasks.Shell></builders>'));
    const { json, log } = await runToEnd('unstable');
    expect(json.result).toBe('UNSTABLE');
    expect(log).toContain('after\n');
    expect(log.endsWith('Finished: UNSTABLE\n')).toBe(true);
    expect(await (await server.fetch('/job/unstable/api/json?tree=color')).json()).toEqual({ _class: 'hudson.model.FreeStyleProject', color: 'yellow' });
  });

  it('runs a step with the interpreter of its #! line', async () => {
    await server.createJob('shebang', jobXml({ steps: ['#!/bin/sh\necho "from $0"'] }));
    const { json, log } = await runToEnd('shebang');
    expect(json.result).toBe('SUCCESS');
    expect(log).toMatch(/\[shebang\] \$ \/bin\/sh .*steward[0-9a-f]+\.sh\nfrom .*steward[0-9a-f]+\.sh\n/);
  });

  it("gives steps Jenkins' environment; a parameter cannot override it and server secrets do not leak", async () => {
    await server.createJob('team-env', '<com.cloudbees.hudson.plugins.folder.Folder/>');
    await server.createJob(
      'team-env/env',
      jobXml({ parameters: stringParameter('GREETING', 'hi'), steps: ['env | sort | grep -E "^(BUILD_|JOB_|JENKINS_URL|WORKSPACE|EXECUTOR_NUMBER|NODE_NAME|GREETING|STEWARD_ADMIN)" | grep -v COOKIE'] }),
    );
    const number = await buildNumberOf(await trigger('team-env/job/env', '?GREETING=yo'));
    await waitForBuild(server, '/job/team-env/job/env', number);
    const log = await (await server.fetch(`/job/team-env/job/env/${number}/consoleText`)).text();
    const env = Object.fromEntries(log.split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(env).toMatchObject({
      BUILD_NUMBER: String(number),
      BUILD_ID: String(number),
      BUILD_URL: `${server.url}job/team-env/job/env/${number}/`,
      BUILD_TAG: `jenkins-team-env-env-${number}`,
      JOB_NAME: 'team-env/env',
      JOB_BASE_NAME: 'env',
      JOB_URL: `${server.url}job/team-env/job/env/`,
      JENKINS_URL: server.url,
      WORKSPACE: join(server.home, 'workspace', 'team-env', 'env'),
      NODE_NAME: 'built-in',
      GREETING: 'yo',
    });
    expect(env.EXECUTOR_NUMBER).toMatch(/^[0-3]$/);
    expect(env).not.toHaveProperty('STEWARD_ADMIN_PASSWORD');
  });

  it('refuses a parameter that would override a server variable', async () => {
    const response = await server.fetch('/createItem?name=clash', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: jobXml({ parameters: stringParameter('BUILD_NUMBER') }) });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-steward-reason')).toBe('config_invalid');
    expect(response.headers.get('x-error')).toContain('BUILD_NUMBER');
  });

  it('does not wait for processes that left the step\'s process group but hold its output, and kills them at the end', async () => {
    // setsid puts the sleep in a session of its own, out of reach of the step's process group.
    await server.createJob('escapee', jobXml({ steps: ['setsid sleep 29.3 & sleep 0.3; echo spawned'] }));
    const started = Date.now();
    try {
      const { json, log } = await runToEnd('escapee');
      expect(json.result).toBe('SUCCESS');
      expect(Date.now() - started).toBeLessThan(8000);
      expect(log).toContain('still hold its output; Steward stopped reading it.\n');
      // Found by the build's cookie in their environment, as Jenkins' ProcessTreeKiller does.
      expect(log).toMatch(/Killed 1 process\(es\) this build left running \(pid \d+\)\.\nFinished: SUCCESS\n$/);
      expect(processesRunning('sleep 29.3')).toEqual([]);
    } finally {
      killProcesses('sleep 29.3');
    }
  });

  it('keeps the workspace between builds', async () => {
    await server.createJob('counter', jobXml({ steps: ['echo x >> count.txt; wc -l < count.txt'] }));
    await runToEnd('counter');
    const { log } = await runToEnd('counter');
    expect(log).toMatch(/\n2\nFinished: SUCCESS/);
  });
});

describe('passwords', () => {
  it('masks password parameters in the log and never exports their values', async () => {
    const password = '<hudson.model.PasswordParameterDefinition><name>SECRET</name><defaultValue>default-pw</defaultValue></hudson.model.PasswordParameterDefinition>';
    await server.createJob('secretive', jobXml({ parameters: password, steps: ['echo "secret is $SECRET"', 'printf "%s" "$SECRET" | wc -c'] }));
    const { number, json, log } = await runToEnd('secretive', '?SECRET=hunter2-very-secret');
    expect(log).not.toContain('hunter2-very-secret');
    expect(log).toContain('secret is ****\n');
    expect(log).toContain('\n19\n');
    expect(JSON.stringify(json)).not.toContain('hunter2');
    expect(json.actions).toContainEqual({ _class: 'hudson.model.ParametersAction', parameters: [{ _class: 'hudson.model.PasswordParameterValue', name: 'SECRET' }] });
    const config = await (await server.fetch('/job/secretive/config.xml')).text();
    expect(config).not.toContain('default-pw');
    expect(await (await server.fetch(`/job/secretive/${number}/api/xml`)).text()).not.toContain('hunter2');
    const { log: withDefault } = await runToEnd('secretive', '?');
    expect(withDefault).toContain('\n10\n');
    expect(withDefault).not.toContain('default-pw');
  });
});

describe('the console log', () => {
  it('makes a line a step prints readable within 100 ms, via progressiveText with X-Text-Size and X-More-Data', async () => {
    await server.createJob('slow', jobXml({ steps: ['echo first-line; sleep 1; echo last-line'] }));
    const number = await buildNumberOf(await trigger('slow'));
    const printed = await waitFor(async () => {
      const response = await server.fetch(`/job/slow/${number}/logText/progressiveText?start=0`);
      const text = await response.text();
      return text.includes('first-line\n') ? { response, text } : undefined;
    });
    expect(printed.response.headers.get('x-more-data')).toBe('true');
    expect(Number(printed.response.headers.get('x-text-size'))).toBe(Buffer.byteLength(printed.text));
    expect(printed.response.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    const build = (await (await server.fetch(`/job/slow/${number}/api/json`)).json()) as Record<string, unknown>;
    expect(build).toMatchObject({ building: true, inProgress: true, result: null, duration: 0, executor: { _class: 'hudson.model.Executor' } });
    const size = Number(printed.response.headers.get('x-text-size'));
    const rest = await waitFor(async () => {
      const response = await server.fetch(`/job/slow/${number}/logText/progressiveText`, { method: 'POST', body: new URLSearchParams({ start: String(size) }) });
      return response.headers.get('x-more-data') === null ? response : undefined;
    });
    expect(await rest.text()).toContain('last-line\nFinished: SUCCESS\n');
  });

  it('streams a line within 100 ms of the step printing it', async () => {
    // The step prints the wall-clock time (ms) at which it writes the line; we note when we first see it.
    await server.createJob('ticker', jobXml({ steps: ['sleep 0.3; echo "tick $(date +%s%3N)"; sleep 1'] }));
    const number = await buildNumberOf(await trigger('ticker'));
    const { printedAt, seenAt } = await waitFor(
      async () => {
        const text = await (await server.fetch(`/job/ticker/${number}/logText/progressiveText?start=0`)).text();
        const match = /\ntick (\d+)\n/.exec(text);
        return match ? { printedAt: Number(match[1]), seenAt: Date.now() } : undefined;
      },
      10_000,
      'the tick line',
      5,
    );
    expect(seenAt - printedAt).toBeLessThan(100);
    await waitForBuild(server, '/job/ticker', number);
  });

  it('answers a start beyond the end by starting over, and consoleText with the whole log', async () => {
    const response = await server.fetch('/job/hello/1/logText/progressiveText?start=999999');
    expect(response.headers.get('x-more-data')).toBeNull();
    expect(await response.text()).toMatch(/^Started by user admin/);
    const text = await server.fetch('/job/hello/1/consoleText');
    expect(text.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(await text.text()).toMatch(/Finished: SUCCESS\n$/);
    expect((await server.fetch('/job/hello/1/consoleText/api/json')).status).toBe(200);
  });
});

describe('stopping builds', () => {
  it('stop answers 302, signals the whole process group, and the build ends ABORTED saying who', async () => {
    await server.createJob('long', jobXml({ steps: ['sleep 30 & sleep 30; echo never'] }));
    const number = await buildNumberOf(await trigger('long'));
    // Both shells trace `+ sleep 30` at once, and their traces may interleave.
    await waitForLog(server, `/job/long/${number}`, 'sleep 30');
    const started = Date.now();
    const response = await server.fetch(`/job/long/${number}/stop`, { method: 'POST' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${server.url}job/long/${number}/`);
    const json = await waitForBuild(server, '/job/long', number);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(json.result).toBe('ABORTED');
    expect(json.actions).toContainEqual({ _class: 'jenkins.model.InterruptedBuildAction', causes: [{ _class: 'jenkins.model.CauseOfInterruption$UserInterruption', shortDescription: 'Aborted by admin', userId: 'admin' }] });
    const log = await (await server.fetch(`/job/long/${number}/consoleText`)).text();
    expect(log).toContain('Build was aborted\nAborted by admin\nFinished: ABORTED\n');
    expect(log).not.toContain('never');
    expect((await server.fetch(`/job/long/${number}/stop`, { method: 'POST' })).status).toBe(302);
    expect(await (await server.fetch('/job/long/api/json?tree=color')).json()).toMatchObject({ color: 'aborted' });
  });

  it('kill stops a step that ignores SIGTERM at once; term escalates after the grace period', async () => {
    await server.createJob('stubborn', jobXml({ steps: ["trap '' TERM; sleep 30"] }));
    const first = await buildNumberOf(await trigger('stubborn'));
    await waitForLog(server, `/job/stubborn/${first}`, '+ sleep 30');
    let started = Date.now();
    expect((await server.fetch(`/job/stubborn/${first}/kill`, { method: 'POST' })).status).toBe(302);
    expect((await waitForBuild(server, '/job/stubborn', first)).result).toBe('ABORTED');
    expect(Date.now() - started).toBeLessThan(400);
    const second = await buildNumberOf(await trigger('stubborn'));
    await waitForLog(server, `/job/stubborn/${second}`, '+ sleep 30');
    started = Date.now();
    expect((await server.fetch(`/job/stubborn/${second}/term`, { method: 'POST' })).status).toBe(302);
    expect((await waitForBuild(server, '/job/stubborn', second)).result).toBe('ABORTED');
    // The shell ignores TERM, so it ends only after the 500 ms grace period with KILL.
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('aborts a build that runs past its timeout', async () => {
    const timeout = '<buildWrappers><hudson.plugins.build__timeout.BuildTimeoutWrapper plugin="build-timeout"><strategy class="hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy"><timeoutMinutes>1</timeoutMinutes></strategy><operationList/></hudson.plugins.build__timeout.BuildTimeoutWrapper></buildWrappers>';
    await server.createJob('timed', jobXml({ extra: timeout, steps: ['sleep 1'] }));
    const config = await (await server.fetch('/job/timed/config.xml')).text();
    expect(config).toContain('<timeoutMinutes>1</timeoutMinutes>');
  });
});

describe('concurrency', () => {
  it('runs one build of a job at a time unless concurrentBuild is set, with @2 workspaces', async () => {
    await server.createJob('serial', jobXml({ parameters: stringParameter('N'), steps: ['sleep 0.5'] }));
    await server.createJob('parallel', jobXml({ parameters: stringParameter('N'), steps: ['sleep 0.5; pwd'], extra: '<concurrentBuild>true</concurrentBuild>' }));
    const serial = await Promise.all([trigger('serial', '?N=1'), trigger('serial', '?N=2')]);
    const parallel = await Promise.all([trigger('parallel', '?N=1'), trigger('parallel', '?N=2')]);
    const blocked = await waitFor(async () => {
      const items = await Promise.all(serial.map(async (id) => (await (await server.fetch(`/queue/item/${id}/api/json`)).json()) as { _class: string; why: string | null }));
      return items.find((item) => item._class === 'hudson.model.Queue$BlockedItem');
    });
    expect(blocked.why).toMatch(/^Build #\d+ is already in progress \(ETA: .*\)$/);
    const parallelNumbers = await Promise.all(parallel.map(buildNumberOf));
    const serialNumbers = await Promise.all(serial.map(buildNumberOf));
    const parallelRuns = await Promise.all(parallelNumbers.map((n) => waitForBuild(server, '/job/parallel', n)));
    const serialRuns = await Promise.all(serialNumbers.map((n) => waitForBuild(server, '/job/serial', n)));
    const overlap = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      (a.timestamp as number) < (b.timestamp as number) + (b.duration as number) && (b.timestamp as number) < (a.timestamp as number) + (a.duration as number);
    expect(overlap(parallelRuns[0] as Record<string, unknown>, parallelRuns[1] as Record<string, unknown>)).toBe(true);
    expect(overlap(serialRuns[0] as Record<string, unknown>, serialRuns[1] as Record<string, unknown>)).toBe(false);
    const logs = await Promise.all(parallelNumbers.map(async (n) => (await server.fetch(`/job/parallel/${n}/consoleText`)).text()));
    const workspaces = logs.map((log) => /Building in workspace (.*)\n/.exec(log)?.[1]).sort();
    expect(workspaces).toEqual([join(server.home, 'workspace', 'parallel'), join(server.home, 'workspace', 'parallel@2')]);
  });
});

describe('build retention', () => {
  it('deletes builds beyond numToKeep with their logs, keeping the last successful one', async () => {
    const discarder = '<jenkins.model.BuildDiscarderProperty><strategy class="hudson.tasks.LogRotator"><daysToKeep>-1</daysToKeep><numToKeep>2</numToKeep><artifactDaysToKeep>-1</artifactDaysToKeep><artifactNumToKeep>-1</artifactNumToKeep></strategy></jenkins.model.BuildDiscarderProperty>';
    const xml = jobXml({ parameters: stringParameter('FAIL', 'no'), steps: ['test "$FAIL" = no'] }).replace('</parameterDefinitions></hudson.model.ParametersDefinitionProperty>', `</parameterDefinitions></hudson.model.ParametersDefinitionProperty>${discarder}`);
    await server.createJob('rotating', xml);
    await runToEnd('rotating', '?FAIL=no');
    for (const n of [2, 3, 4]) expect((await runToEnd('rotating', `?FAIL=${n}`)).json.result).toBe('FAILURE');
    const job = (await (await server.fetch('/job/rotating/api/json?tree=builds[number],nextBuildNumber,lastSuccessfulBuild[number]')).json()) as { builds: Array<{ number: number }>; nextBuildNumber: number };
    expect(job.builds.map((build) => build.number)).toEqual([4, 3, 1]);
    expect(job.nextBuildNumber).toBe(5);
    expect((await server.fetch('/job/rotating/2/api/json')).status).toBe(404);
    // The log goes right after the build's record, so it may still be there for a moment.
    const logDirectories = () => readdirSync(join(server.home, 'jobs')).map((job) => readdirSync(join(server.home, 'jobs', job)).sort().join(','));
    await waitFor(() => (logDirectories().includes('1,3,4') ? true : undefined), 5000, 'the log of build 2 to be deleted');
    expect(logDirectories()).toContain('1,3,4');
  });
});

describe('deleting builds', () => {
  it('deletes a finished build with doDelete (302) and refuses a running one', async () => {
    const response = await server.fetch('/job/hello/1/doDelete', { method: 'POST' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${server.url}job/hello/`);
    expect((await server.fetch('/job/hello/1/api/json')).status).toBe(404);
    await server.createJob('busy', jobXml({ steps: ['sleep 5'] }));
    const number = await buildNumberOf(await trigger('busy'));
    const refused = await server.fetch(`/job/busy/${number}/doDelete`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('x-steward-reason')).toBe('build_running');
    await server.fetch(`/job/busy/${number}/kill`, { method: 'POST' });
  });
});
