import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonJenkins } from '../../support/python-jenkins.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/**
 * Debian's python-jenkins 1.4, unmodified, against a real server: every node call it makes
 * (get_nodes, get_node_info, node_exists, create_node, disable_node, enable_node, delete_node).
 */
let server: TestServer;

function python(body: string): Promise<unknown> {
  return pythonJenkins(server, body);
}

/** Stands in for the agent's lease renewal (`store.nodes.touch`): the node was heard from just now. */
function heardFrom(name: string): void {
  const db = new Database(join(server.home, 'steward.db'));
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('UPDATE nodes SET last_seen_at = ? WHERE name_key = ?').run(Date.now(), name.toLowerCase());
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

describe('python-jenkins 1.4 node calls', () => {
  it('creates a node with labels and executors, sees it, and deletes it', async () => {
    const result = (await python(`
server.create_node('linux-1', numExecutors=3, nodeDescription='rack 3', labels='linux docker', launcher=jenkins.LAUNCHER_JNLP)
server.create_node('plain')
duplicate = None
try:
    server.create_node('linux-1')
except jenkins.JenkinsException as error:
    duplicate = str(error)
info = server.get_node_info('linux-1')
print(json.dumps({
  'nodes': server.get_nodes(),
  'exists': server.node_exists('linux-1'), 'missing': server.node_exists('nope'),
  'builtIn': server.node_exists('(built-in)'), 'master': server.node_exists('(master)'),
  'info': {k: info[k] for k in ['_class', 'displayName', 'description', 'numExecutors', 'offline', 'temporarilyOffline', 'jnlpAgent', 'idle', 'offlineCauseReason']},
  'labels': [label['name'] for label in info['assignedLabels']],
  'executors': len(info['executors']),
  'duplicate': duplicate,
}))`)) as Record<string, unknown>;
    expect(result.nodes).toEqual([
      { name: 'Built-In Node', offline: false },
      { name: 'linux-1', offline: true },
      { name: 'plain', offline: true },
    ]);
    expect(result).toMatchObject({ exists: true, missing: false, builtIn: true, master: true, duplicate: 'node[linux-1] already exists', executors: 3, labels: ['linux-1', 'linux', 'docker'] });
    expect(result.info).toEqual({ _class: 'hudson.slaves.SlaveComputer', displayName: 'linux-1', description: 'rack 3', numExecutors: 3, offline: true, temporarilyOffline: false, jnlpAgent: true, idle: true, offlineCauseReason: 'Agent has not connected' });
    const deleted = await python(`
server.delete_node('plain')
print(json.dumps({'exists': server.node_exists('plain'), 'names': [node['name'] for node in server.get_nodes()]}))`);
    expect(deleted).toEqual({ exists: false, names: ['Built-In Node', 'linux-1'] });
  });

  it('takes a connected node offline with a message and brings it back', async () => {
    heardFrom('linux-1');
    const result = await python(`
before = server.get_node_info('linux-1')['offline']
server.disable_node('linux-1', 'disk swap')
off = server.get_node_info('linux-1')
server.enable_node('linux-1')
on = server.get_node_info('linux-1')
print(json.dumps({'before': before, 'off': [off['offline'], off['temporarilyOffline'], off['offlineCauseReason']], 'on': [on['offline'], on['temporarilyOffline']]}))`);
    expect(result).toEqual({ before: false, off: [true, true, 'disk swap'], on: [false, false] });
  });

  it("reads and rewrites a node's config.xml, and is told a node has no script console", async () => {
    const result = await python(`
server.assert_node_exists('linux-1')
config = server.get_node_config('linux-1')
server.reconfig_node('linux-1', config.replace('<numExecutors>3</numExecutors>', '<numExecutors>4</numExecutors>').replace('<label>linux docker</label>', '<label>linux gpu</label>'))
info = server.get_node_info('linux-1')
script = None
try:
    server.run_script('println(1)', node='linux-1')
except jenkins.NotFoundException as error:
    script = 'not found'
print(json.dumps({'slave': '<slave>' in config, 'numExecutors': info['numExecutors'], 'labels': [label['name'] for label in info['assignedLabels']], 'script': script}))`);
    expect(result).toEqual({ slave: true, numExecutors: 4, labels: ['linux-1', 'linux', 'gpu'], script: 'not found' });
  });

  it('accepts the default command launcher with a warning that Steward agents connect themselves', async () => {
    const response = await server.fetch('/computer/doCreateItem', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'ssh-1', type: 'hudson.slaves.DumbSlave$DescriptorImpl', json: JSON.stringify({ numExecutors: '2', labelString: '', launcher: { 'stapler-class': 'hudson.plugins.sshslaves.SSHLauncher' } }) }).toString(),
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/\/computer\/$/);
    expect(response.headers.get('x-steward-warning')).toContain('Steward agents connect themselves');
    const info = (await (await server.fetch('/computer/ssh-1/api/json')).json()) as { numExecutors: number };
    expect(info.numExecutors).toBe(2);
  });
});
