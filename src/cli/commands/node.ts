import type { Command } from 'commander';
import type { Client } from '../client.js';
import { type CliContext, connect } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { native, requireSteward } from '../native-api.js';
import { commandGroup, subcommand } from '../subcommand.js';
import { shortTime } from '../times.js';

const ON_JENKINS = 'manage agents under Manage Jenkins > Nodes (or python-jenkins create_node).';

interface NodeJson {
  name: string;
  description: string;
  labels: string[];
  executors: number;
  online: boolean;
  offlineMessage: string | null;
  lastSeenAt: string | null;
}

function nodePath(name: string): string {
  return `nodes/${encodeURIComponent(name)}`;
}

/** The command that connects the agent, with the secret saved to a file first. */
function connectCommand(client: Client, name: string): string {
  return `steward agent --url ${client.root.href} --name ${name} --secret-file /etc/steward/agent-secret`;
}

async function stewardClient(context: CliContext, self: Command, what: string): Promise<Client> {
  const client = connect(context, self);
  await requireSteward(client, what, ON_JENKINS);
  return client;
}

export function registerNode(program: Command, context: CliContext): void {
  const node = commandGroup(program, 'node', "Steward's agents: register, list, delete, and show or rotate their secrets", [
    'steward node create linux-1 --labels "linux docker" --executors 4',
    'steward node list',
    'steward node secret linux-1 > /etc/steward/agent-secret',
    'steward node rotate-secret linux-1',
    'steward node delete linux-1',
  ]);

  subcommand(node, 'create', 'register an agent; prints its secret and the command that connects it', [
    'steward node create linux-1 --labels "linux docker" --executors 4',
    'steward node create mac-1 --labels macos --description "the Mac mini under the desk"',
  ], { notes: 'The secret is printed on standard output; `steward node secret NAME` shows it again (Agent/Connect).' })
    .argument('<name>', "the node's name (also one of its labels)")
    .option('--labels <labels>', 'labels separated by spaces, e.g. "linux docker"')
    .option('--executors <n>', 'how many builds it runs at once (1-64, default 1)')
    .option('--description <text>', 'what the node is, for people')
    .option('--json', 'print the node with its secret as JSON')
    .action(async (name: string, options: { labels?: string; executors?: string; description?: string; json?: boolean }, self: Command) => {
      const executors = options.executors === undefined ? undefined : Number(options.executors);
      if (executors !== undefined && !Number.isInteger(executors)) throw new CliError(`--executors ${JSON.stringify(options.executors)} is not a whole number.`, ExitCode.usage);
      const client = await stewardClient(context, self, 'Registering a node');
      const created = await native<NodeJson & { secret: string }>(client, 'POST', 'nodes', {
        name,
        ...(options.labels === undefined ? {} : { labels: options.labels }),
        ...(executors === undefined ? {} : { executors }),
        ...(options.description === undefined ? {} : { description: options.description }),
      });
      if (options.json) return context.out.json(created);
      context.out.note(`registered the node ${created.name} (labels: ${created.labels.join(' ')}; ${created.executors} executor${created.executors === 1 ? '' : 's'}). Its secret:`);
      context.out.line(created.secret);
      context.out.note(`on the agent machine, save the secret to a file only the agent's user can read, and run:\n  ${connectCommand(client, created.name)}`);
    });

  subcommand(node, 'list', 'list the agents with their state', ['steward node list', "steward node list --json | jq -r '.[] | select(.online | not) | .name'"])
    .option('--json', 'print them as JSON')
    .action(async (options: { json?: boolean }, self: Command) => {
      const client = await stewardClient(context, self, 'Listing nodes');
      const nodes = await native<NodeJson[]>(client, 'GET', 'nodes');
      if (options.json) return context.out.json(nodes);
      if (nodes.length === 0) return context.out.line('There are no agents; builds run on the built-in node.');
      context.out.table(
        ['NAME', 'STATE', 'LABELS', 'EXECUTORS', 'LAST CONTACT'],
        nodes.map((one) => [one.name, one.online ? 'online' : one.offlineMessage !== null ? `offline: ${one.offlineMessage || 'taken offline'}` : 'offline', one.labels.join(' '), String(one.executors), shortTime(one.lastSeenAt)]),
      );
    });

  subcommand(node, 'delete', 'delete an agent and its secret', ['steward node delete linux-1'])
    .argument('<name>', "the node's name")
    .action(async (name: string, _options: unknown, self: Command) => {
      const client = await stewardClient(context, self, 'Deleting a node');
      await native(client, 'DELETE', nodePath(name));
      context.out.line(`Deleted the node ${name}`);
    });

  subcommand(node, 'secret', "print an agent's current secret (Agent/Connect: administrators)", ['steward node secret linux-1 > /etc/steward/agent-secret'])
    .argument('<name>', "the node's name")
    .action(async (name: string, _options: unknown, self: Command) => {
      const client = await stewardClient(context, self, "Reading a node's secret");
      const answer = await native<{ secret: string }>(client, 'GET', `${nodePath(name)}/secret`);
      context.out.line(answer.secret);
    });

  subcommand(node, 'rotate-secret', 'give an agent a new secret; the old one keeps working for the overlap (default 24 hours)', [
    'steward node rotate-secret linux-1 > /etc/steward/agent-secret.new',
    'steward node rotate-secret linux-1 --overlap-hours 0     the old secret stops at once',
  ])
    .argument('<name>', "the node's name")
    .option('--overlap-hours <hours>', 'how long the old secret stays valid (default 24)')
    .action(async (name: string, options: { overlapHours?: string }, self: Command) => {
      const client = await stewardClient(context, self, "Rotating a node's secret");
      const query = options.overlapHours === undefined ? '' : `?overlapHours=${encodeURIComponent(options.overlapHours)}`;
      const answer = await native<{ secret: string }>(client, 'POST', `${nodePath(name)}/secret/rotate${query}`);
      context.out.note(`the new secret of ${name} follows; the old one works until the overlap ends.`);
      context.out.line(answer.secret);
    });
}
