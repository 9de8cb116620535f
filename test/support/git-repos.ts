import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real git repositories for tests: a bare repository (`url` is file://) and a working clone that
 * commits and pushes to it. Author and committer are fixed so change sets are predictable.
 */
export class TestRepository {
  readonly root = mkdtempSync(join(tmpdir(), 'steward-git-repo-'));
  readonly bare = join(this.root, 'app.git');
  readonly work = join(this.root, 'work');
  readonly url = `file://${this.bare}`;

  constructor() {
    // Readable by a build user other than the test's account (the built-in node's, when tests run as root).
    chmodSync(this.root, 0o755);
    git(this.root, 'init', '--bare', '--initial-branch=main', this.bare);
    git(this.root, 'init', '--initial-branch=main', this.work);
  }

  /** Writes files, commits them as Alice and pushes the branch; returns the new commit. */
  commit(message: string, files: Record<string, string>, branch = 'main'): string {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(this.work, path, '..'), { recursive: true });
      writeFileSync(join(this.work, path), content);
    }
    git(this.work, 'add', '-A');
    git(this.work, 'commit', '-q', '-m', message);
    git(this.work, 'push', '-q', this.bare, `HEAD:refs/heads/${branch}`);
    return git(this.work, 'rev-parse', 'HEAD').trim();
  }

  /** Starts (or switches to) a branch of the working clone at its current commit. */
  branch(name: string): void {
    git(this.work, 'checkout', '-q', '-B', name);
  }

  tag(name: string): void {
    git(this.work, 'tag', '-a', '-m', name, name);
    git(this.work, 'push', '-q', this.bare, `refs/tags/${name}`);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Alice Example',
  GIT_AUTHOR_EMAIL: 'alice@example.com',
  GIT_COMMITTER_NAME: 'Alice Example',
  GIT_COMMITTER_EMAIL: 'alice@example.com',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...IDENTITY }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Smart HTTP in front of the bare repositories under `root`: `git http-backend` run as a CGI program
 * behind Basic auth (`username`/`password`), as a real git server is. `url(name)` is a repository's URL.
 */
export async function startGitHttpServer(root: string, username: string, password: string): Promise<{ url: (name: string) => string; close: () => Promise<void> }> {
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const server: Server = createServer((request, response) => {
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
      response.end('Authentication required\n');
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const cgi = spawn('/usr/lib/git-core/git-http-backend', [], {
      env: {
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: request.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        REMOTE_USER: username,
        REMOTE_ADDR: '127.0.0.1',
        ...(request.headers['git-protocol'] ? { GIT_PROTOCOL: String(request.headers['git-protocol']) } : {}),
        ...(request.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(request.headers['content-encoding']) } : {}),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    request.pipe(cgi.stdin);
    // CGI output: headers, a blank line, then the body.
    let head = Buffer.alloc(0);
    let headed = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headed) {
        response.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headed = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else response.setHeader(name, value);
      }
      response.writeHead(status);
      response.write(head.subarray(end + 4));
    });
    cgi.on('close', () => response.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
