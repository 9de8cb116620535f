import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestServer } from './server.js';

const execFileAsync = promisify(execFile);

/**
 * Runs a short Python program with Debian's python-jenkins 1.4 (`server` is a `jenkins.Jenkins` signed
 * in as admin with the test server's token) and parses the JSON its last line prints.
 */
export async function pythonJenkins(target: Pick<TestServer, 'url' | 'adminToken'>, body: string): Promise<unknown> {
  const program = `import json, sys, jenkins\nserver = jenkins.Jenkins(sys.argv[1], username='admin', password=sys.argv[2])\n${body}`;
  // Debian's interpreter, where the package is, not one a version manager put first on PATH.
  const { stdout } = await execFileAsync('/usr/bin/python3', ['-c', program, target.url, target.adminToken], { timeout: 20_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}
