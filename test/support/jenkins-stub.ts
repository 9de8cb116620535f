import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const BUILD_MS = 300;
const CONSOLE = ['Started by user alice\nRunning as SYSTEM\n', '[app] $ /bin/sh -xe /tmp/jenkins1.sh\n+ make\nFinished: SUCCESS\n'];

export interface JenkinsStub {
  readonly url: string;
  readonly aliceToken: string;
  close(): Promise<void>;
}

/**
 * A stub Jenkins 2.440.3, modelled on /work/shared/reference/jenkins-core-api.md (§1 the filter
 * order, §7 crumbs bound to the session cookie `JSESSIONID.<hex>`, §8 Basic auth, 401 and the 403
 * shapes, §2.1 the 405 of a trigger without a token) and without the Build Token Root plugin
 * (/buildByToken/ is 404). One user, alice, with a password and an API token; anonymous may not
 * read; one job, app, which alice may build. A trigger queues item 7, 8, …, whose build runs for
 * 300 ms and writes its console in two parts, answered as Stapler's progressiveText does
 * (jenkins-clients.md §7): `X-Text-Size`, and `X-More-Data: true` while it runs.
 */
export async function startJenkinsStub(): Promise<JenkinsStub> {
  const aliceToken = `11${randomBytes(16).toString('hex')}`;
  const salt = randomBytes(8).toString('hex');
  const cookieName = `JSESSIONID.${randomBytes(4).toString('hex')}`;
  const crumbOf = (user: string, session: string) => createHash('sha256').update(`${user};${session}${salt}`).digest('hex');
  const api = { 'X-Jenkins': '2.440.3', 'Content-Type': 'application/json;charset=utf-8' };
  const json = (response: ServerResponse, body: unknown) => response.writeHead(200, api).end(JSON.stringify(body));
  const builds: Array<{ queueId: number; started: number }> = [];
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://stub');
    const path = url.pathname;
    let user: string | null = null;
    let viaToken = false;
    const basic = /^Basic (.+)$/i.exec(request.headers.authorization ?? '');
    if (basic) {
      const [name, secret] = Buffer.from(basic[1] as string, 'base64').toString().split(/:(.*)/s);
      viaToken = name === 'alice' && secret === aliceToken;
      if (!viaToken && !(name === 'alice' && secret === 'alice-password')) {
        response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Jenkins"', 'Content-Type': 'text/html' }).end('<html><body>Unauthorized</body></html>');
        return;
      }
      user = 'alice';
    }
    const session = new RegExp(`${cookieName.replace('.', '\\.')}=([^;]+)`).exec(request.headers.cookie ?? '')?.[1] ?? null;
    if (request.method === 'POST' && !viaToken) {
      const crumb = request.headers['jenkins-crumb'];
      if (session === null || crumb !== crumbOf(user ?? 'anonymous', session)) {
        response.writeHead(403, { 'Content-Type': 'text/html' }).end('<html><body><h2>HTTP ERROR 403 No valid crumb was included in the request</h2></body></html>');
        return;
      }
    }
    if (path === '/whoAmI/api/json') return json(response, { _class: 'hudson.security.WhoAmI', anonymous: user === null, authenticated: true, authorities: user ? ['authenticated'] : ['anonymous'], name: user ?? 'anonymous' });
    if (user === null) {
      response.writeHead(403, { 'X-Jenkins': '2.440.3', 'X-Hudson': '1.395', 'X-Required-Permission': 'hudson.model.Hudson.Read', 'Content-Type': 'text/html;charset=UTF-8' }).end('<html><body>Authentication required<!--\nPermission you need to have (but didn\'t): hudson.model.Hudson.Read\n--></body></html>');
      return;
    }
    if (path === '/api/json') return json(response, { _class: 'hudson.model.Hudson', mode: 'NORMAL', jobs: [{ _class: 'hudson.model.FreeStyleProject', name: 'app', color: 'blue' }] });
    if (path === '/pluginManager/api/json') return json(response, { _class: 'hudson.LocalPluginManager', plugins: [{ shortName: 'matrix-auth', active: true }] });
    if (path === '/crumbIssuer/api/json') {
      const id = session ?? randomBytes(12).toString('hex');
      response.writeHead(200, { ...api, ...(session ? {} : { 'Set-Cookie': `${cookieName}=${id}; Path=/; HttpOnly` }) });
      response.end(JSON.stringify({ _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb: crumbOf(user, id), crumbRequestField: 'Jenkins-Crumb' }));
      return;
    }
    // §8.2: alice makes a new API token (it authenticates as alice's token, as the one made at start does).
    if (path === '/me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken' && request.method === 'POST') {
      return json(response, { status: 'ok', data: { tokenName: 'made', tokenUuid: randomBytes(16).toString('hex'), tokenValue: aliceToken } });
    }
    if (path === '/job/app/api/json') return json(response, { _class: 'hudson.model.FreeStyleProject', name: 'app', fullName: 'app', fullDisplayName: 'app', url: 'http://stub/job/app/', buildable: true, color: 'blue', property: [] });
    if (path === '/job/app/config.xml') {
      response.writeHead(200, { 'Content-Type': 'application/xml' }).end('<?xml version="1.1" encoding="UTF-8"?><project><builders/></project>');
      return;
    }
    if ((path === '/job/app/build' || path === '/job/app/buildWithParameters') && request.method !== 'POST') {
      response.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/html' }).end('<html><body><h1>This URL requires POST</h1></body></html>');
      return;
    }
    if (path === '/job/app/build') {
      builds.push({ queueId: 7 + builds.length, started: Date.now() });
      response.writeHead(201, { Location: `http://${request.headers.host}/queue/item/${6 + builds.length}/` }).end();
      return;
    }
    const queueItem = /^\/queue\/item\/(\d+)\/api\/json$/.exec(path);
    const queued = queueItem ? builds.findIndex((build) => build.queueId === Number(queueItem[1])) : -1;
    if (queueItem && queued >= 0) {
      return json(response, { _class: 'hudson.model.Queue$LeftItem', id: Number(queueItem[1]), cancelled: false, why: null, executable: { _class: 'hudson.model.FreeStyleBuild', number: queued + 1, url: `http://stub/job/app/${queued + 1}/` } });
    }
    const run = /^\/job\/app\/(\d+)\/(api\/json|logText\/progressiveText)$/.exec(path);
    const build = run ? builds[Number(run[1]) - 1] : undefined;
    if (run && build) {
      const number = Number(run[1]);
      const done = Date.now() - build.started >= BUILD_MS;
      if (run[2] === 'api/json') {
        return json(response, { _class: 'hudson.model.FreeStyleBuild', number, url: `http://stub/job/app/${number}/`, building: !done, result: done ? 'SUCCESS' : null, fullDisplayName: `app #${number}`, duration: done ? BUILD_MS : 0 });
      }
      const text = Buffer.from(done ? CONSOLE.join('') : (CONSOLE[0] as string));
      const start = Math.min(Number(url.searchParams.get('start') ?? 0), text.length);
      response.writeHead(200, { 'Content-Type': 'text/plain;charset=UTF-8', 'X-Text-Size': String(text.length), ...(done ? {} : { 'X-More-Data': 'true' }) });
      response.end(text.subarray(start));
      return;
    }
    response.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><body>Not Found</body></html>');
  };
  const server = await listen(createServer(handle));
  return { url: urlOf(server), aliceToken, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}
