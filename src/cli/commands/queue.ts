import type { Command } from 'commander';
import type { Client } from '../client.js';
import { type CliContext, connect } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { commandGroup, subcommand } from '../subcommand.js';
import { shortTime } from '../times.js';

interface QueueItemJson {
  id: number;
  why?: string | null;
  inQueueSince?: number;
  blocked?: boolean;
  buildable?: boolean;
  stuck?: boolean;
  task?: { name?: string; fullName?: string; url?: string };
  /** Only on an item that has left the queue. */
  cancelled?: boolean;
  executable?: { number?: number } | null;
}

const ITEM_TREE = 'id,why,inQueueSince,blocked,buildable,stuck,task[name,fullName,url]';

/** The job a queue item is for: its full name, else the `/job/a/job/b/` of its URL, else its name. */
function jobOf(item: QueueItemJson): string {
  if (item.task?.fullName) return item.task.fullName;
  const path = item.task?.url ? new URL(item.task.url).pathname : '';
  const names = [...path.matchAll(/\/job\/([^/]+)/g)].map((match) => decodeURIComponent(match[1] as string));
  return names.length > 0 ? names.join('/') : (item.task?.name ?? '?');
}

function view(item: QueueItemJson) {
  return {
    id: item.id,
    job: jobOf(item),
    why: item.why ?? null,
    inQueueSince: item.inQueueSince === undefined ? null : new Date(item.inQueueSince).toISOString(),
    blocked: item.blocked ?? false,
    buildable: item.buildable ?? false,
    stuck: item.stuck ?? false,
  };
}

export function registerQueue(program: Command, context: CliContext): void {
  const queue = commandGroup(program, 'queue', 'the build queue: what waits, and why; cancel a waiting build', ['steward queue                  what waits, and why', 'steward queue cancel 42        cancel queue item 42']);

  subcommand(queue, 'list', 'list the waiting builds, the next to start last (as Jenkins orders them)', ['steward queue list', `steward queue --json | jq -r '.[] | "\\(.id) \\(.job)"'`], { isDefault: true })
    .option('--json', 'print them as JSON: id, job, why, inQueueSince, blocked, buildable, stuck')
    .action(async (options: { json?: boolean }, self: Command) => {
      const client = connect(context, self);
      const body = await client.json<{ items?: QueueItemJson[] }>('queue/api/json', { query: { tree: `items[${ITEM_TREE}]` } });
      const items = (body.items ?? []).map(view);
      if (options.json) return context.out.json(items);
      if (items.length === 0) return context.out.line('The queue is empty.');
      context.out.table(
        ['ID', 'JOB', 'SINCE', 'WHY'],
        items.map((item) => [String(item.id), item.job, shortTime(item.inQueueSince), item.why ?? '']),
      );
    });

  subcommand(queue, 'cancel', 'cancel a waiting build (POST queue/cancelItem)', ['steward queue cancel 42'])
    .argument('<id>', 'the queue item id, as `steward queue` or `steward build` printed it')
    .option('--json', 'print what was cancelled as JSON')
    .action(async (id: string, options: { json?: boolean }, self: Command) => {
      if (!/^\d+$/.test(id)) throw new CliError(`"${id}" is not a queue item id: ids are whole numbers (see steward queue).`, ExitCode.usage);
      const client = connect(context, self);
      const item = await readQueueItem(client, id);
      // Jenkins answers 204 (older versions a 302 redirect); a refusal is a RemoteError.
      await (await client.post('queue/cancelItem', { query: { id } })).body?.cancel();
      if (options.json) return context.out.json({ id: item.id, job: jobOf(item), cancelled: true });
      context.out.line(`Cancelled queue item ${id} (${jobOf(item)})`);
    });
}

/** The item, to name its job; one that has left the queue (became a build, or was cancelled) cannot be cancelled. */
async function readQueueItem(client: Client, id: string): Promise<QueueItemJson> {
  const item = await client.json<QueueItemJson>(`queue/item/${id}/api/json`, {
    query: { tree: `${ITEM_TREE},cancelled,executable[number]` },
  });
  if (item.cancelled) throw new CliError(`Queue item ${id} (${jobOf(item)}) was already cancelled.`, ExitCode.illegalState);
  if (item.executable?.number !== undefined) {
    throw new CliError(`Queue item ${id} has already left the queue: it became ${jobOf(item)} #${item.executable.number}.`, ExitCode.illegalState, `Stop the build instead: steward stop ${jobOf(item)} ${item.executable.number}`);
  }
  return item;
}
