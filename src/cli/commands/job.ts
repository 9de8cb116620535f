import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { itemPath } from '../../core/item-url.js';
import type { Client, RequestOptions } from '../client.js';
import { type CliContext, connect } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { type JobRef, parseJobRef } from '../job-ref.js';
import { readStdin } from '../prompt.js';
import { listChildren, readItem, type RemoteItem } from '../remote-jobs.js';
import { commandGroup, subcommand } from '../subcommand.js';
import { shortTime } from '../times.js';

/** What `job create NAME` makes without a config.xml: a freestyle job with no build steps (Jenkins fills in the other defaults). */
const MINIMAL_JOB_XML = `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description></description>
  <properties/>
  <builders/>
</project>
`;

/** A folder of the CloudBees Folders plugin, which Jenkins needs installed and Steward reads natively. */
const FOLDER_XML = `<?xml version='1.1' encoding='UTF-8'?>
<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder">
  <description></description>
  <properties/>
</com.cloudbees.hudson.plugins.folder.Folder>
`;

const STATUS_OF_COLOR: Record<string, string> = { blue: 'success', red: 'failure', yellow: 'unstable', aborted: 'aborted', notbuilt: 'never built', disabled: 'disabled', grey: 'pending' };

const JOB_EXAMPLES = [
  'steward job list -r                            every job and folder',
  'steward job get team/app --json',
  'steward job create team --folder',
  'steward job create team/app --file config.xml',
  'steward job config team/app > app.xml && $EDITOR app.xml && steward job apply team/app --file app.xml',
  'steward job disable team/app',
];

export function registerJob(program: Command, context: CliContext): void {
  const job = commandGroup(program, 'job', 'list, read, create, configure, enable, disable and delete jobs and folders', JOB_EXAMPLES);

  subcommand(job, 'list', 'list the jobs and folders at the top level or in a folder', ['steward job list', 'steward job list team -r', "steward job list -r --json | jq -r '.[] | select(.kind == \"job\") | .fullName'"])
    .argument('[folder]', 'a folder: full name (team) or URL')
    .option('-r, --recursive', 'also list what is inside the folders, and so on')
    .option('--json', 'print them as JSON: fullName, kind (job or folder), className, color')
    .action(async (folder: string | undefined, options: { recursive?: boolean; json?: boolean }, self: Command) => {
      const ref = folder === undefined ? null : parseJobRef(folder);
      const client = connect(context, self, ref?.server ?? null);
      if (ref) {
        const item = await readItem(client, ref);
        if (!item.isFolder) throw new CliError(`${item.fullName} is a job, not a folder.`, ExitCode.illegalArgument, `See the job with: steward job get ${item.fullName}`);
      }
      const items = await collect(client, ref?.fullName ?? null, Boolean(options.recursive));
      const rows = items.map((item) => ({ fullName: item.fullName, kind: item.isFolder ? 'folder' : 'job', className: item.className, color: item.color }));
      if (options.json) return context.out.json(rows);
      if (rows.length === 0) return context.out.line(ref ? `${ref.fullName} is empty.` : 'There are no jobs.');
      context.out.table(
        ['NAME', 'TYPE', 'STATUS'],
        items.map((item) => [item.fullName, typeOf(item.className, item.isFolder), statusOf(item.color)]),
      );
    });

  subcommand(job, 'get', 'a summary of a job or folder: description, whether it can build, parameters, last builds', ['steward job get team/app', 'steward job get team/app --json'])
    .argument('<job>', 'full name (team/app) or the job URL')
    .option('--json', 'print it as JSON')
    .action(async (name: string, options: { json?: boolean }, self: Command) => {
      const ref = parseJobRef(name);
      const client = connect(context, self, ref.server);
      const summary = await summarize(client, ref);
      if (options.json) return context.out.json(summary);
      printSummary(context, summary);
    });

  subcommand(job, 'create', 'create a job or folder from a config.xml (POST createItem)', [
    'steward job create team --folder',
    'steward job create team/app --file config.xml',
    'steward job config team/app | steward job create team/app-copy',
    'steward job create scratch                     a freestyle job with no build steps',
  ], { notes: 'Without --file or --folder, a config.xml piped on standard input is used; with nothing piped,\nthe job is a freestyle job with no build steps, to configure later with `steward job apply`.' })
    .argument('<name>', 'full name of the new item (team/app); its folder must exist')
    .option('-f, --file <file>', 'the config.xml, or - for standard input')
    .option('--folder', 'create a folder (the CloudBees Folders configuration)')
    .action(async (name: string, options: { file?: string; folder?: boolean }, self: Command) => {
      if (options.folder && options.file !== undefined) throw new CliError('Give --folder or --file, not both.', ExitCode.usage);
      const ref = parseJobRef(name);
      const client = connect(context, self, ref.server);
      let xml: string;
      if (options.folder) xml = FOLDER_XML;
      else if (options.file !== undefined) xml = await configFile(options.file);
      else xml = (await pipedConfig()) ?? MINIMAL_JOB_XML;
      await createItem(context, client, ref, xml);
      if (options.folder) context.out.line(`Created the folder ${ref.fullName}`);
      else context.out.line(`Created ${ref.fullName}${xml === MINIMAL_JOB_XML ? ', a freestyle job with no build steps yet' : ''}`);
    });

  subcommand(job, 'config', "print a job's or folder's config.xml", ['steward job config team/app > app.xml'])
    .argument('<job>', 'full name (team/app) or the job URL')
    .action(async (name: string, _options: unknown, self: Command) => {
      const ref = parseJobRef(name);
      const client = connect(context, self, ref.server);
      context.out.raw(await (await onItem(client, ref, 'GET', 'config.xml')).text());
    });

  subcommand(job, 'apply', 'replace the config.xml of a job or folder, or create it when it does not exist', ['steward job apply team/app --file app.xml', 'generate-config | steward job apply team/app --file -'])
    .argument('<job>', 'full name (team/app) or the job URL')
    .requiredOption('-f, --file <file>', 'the config.xml, or - for standard input')
    .action(async (name: string, options: { file: string }, self: Command) => {
      const ref = parseJobRef(name);
      const client = connect(context, self, ref.server);
      const xml = await configFile(options.file);
      const target = `${ref.path}config.xml`;
      const existing = await client.send('GET', target);
      if (existing.status === 404) {
        await existing.body?.cancel();
        await createItem(context, client, ref, xml);
        return context.out.line(`Created ${ref.fullName} (it did not exist)`);
      }
      await (await client.expect(existing, target)).body?.cancel();
      const response = await client.post(target, { body: xml, contentType: 'application/xml' });
      noteWarning(context, response);
      await response.body?.cancel();
      context.out.line(`Updated the configuration of ${ref.fullName}`);
    });

  const actions = [
    { name: 'delete', action: 'doDelete', done: 'Deleted', description: 'delete a job, or a folder with everything in it (POST doDelete)' },
    { name: 'enable', action: 'enable', done: 'Enabled', description: 'let a disabled job build again' },
    { name: 'disable', action: 'disable', done: 'Disabled', description: 'stop a job from building (triggers are refused) until enabled' },
  ] as const;
  for (const { name, action, done, description } of actions) {
    subcommand(job, name, description, [`steward job ${name} team/app`])
      .argument('<job>', 'full name (team/app) or the job URL')
      .action(async (jobName: string, _options: unknown, self: Command) => {
        const ref = parseJobRef(jobName);
        const client = connect(context, self, ref.server);
        await (await onItem(client, ref, 'POST', action)).body?.cancel();
        context.out.line(`${done} ${ref.fullName}`);
      });
  }
}

type Listed = Awaited<ReturnType<typeof listChildren>>[number];

/** The items of a folder (null: the top level), each folder followed by its contents when recursive. */
async function collect(client: Client, folder: string | null, recursive: boolean): Promise<Listed[]> {
  const items: Listed[] = [];
  for (const child of await listChildren(client, folder)) {
    items.push(child);
    if (recursive && child.isFolder) items.push(...(await collect(client, child.fullName, true)));
  }
  return items;
}

function typeOf(className: string, isFolder: boolean): string {
  if (isFolder) return 'folder';
  if (className === 'hudson.model.FreeStyleProject') return 'freestyle';
  if (className === 'org.jenkinsci.plugins.workflow.job.WorkflowJob') return 'pipeline';
  return className.split(/[.$]/).at(-1) || 'job';
}

/** Jenkins' ball colour in words: `blue_anime` is "success, building". */
function statusOf(color: string | null): string {
  if (color === null) return '';
  const base = color.replace(/_anime$/, '');
  return `${STATUS_OF_COLOR[base] ?? base}${color.endsWith('_anime') ? ', building' : ''}`;
}

interface RunJson {
  number: number;
  result?: string | null;
  building?: boolean;
  timestamp?: number;
}

interface MoreJson {
  disabled?: boolean;
  inQueue?: boolean;
  jobs?: unknown[];
  lastBuild?: RunJson | null;
  lastSuccessfulBuild?: RunJson | null;
  lastFailedBuild?: RunJson | null;
}

const RUN_TREE = 'number,result,building,timestamp';
const MORE_TREE = `disabled,inQueue,jobs[name],lastBuild[${RUN_TREE}],lastSuccessfulBuild[${RUN_TREE}],lastFailedBuild[${RUN_TREE}]`;

type Summary = Awaited<ReturnType<typeof summarize>>;

async function summarize(client: Client, ref: JobRef) {
  const item: RemoteItem = await readItem(client, ref);
  const more = await client.json<MoreJson>(`${ref.path}api/json`, { query: { tree: MORE_TREE } });
  const run = (json: RunJson | null | undefined) =>
    json ? { number: json.number, result: json.building ? null : (json.result ?? null), building: json.building ?? false, startedAt: json.timestamp === undefined ? null : new Date(json.timestamp).toISOString() } : null;
  return {
    fullName: item.fullName,
    kind: item.isFolder ? ('folder' as const) : ('job' as const),
    className: item.className,
    url: item.url === '' ? client.shown(ref.path) : client.shown(item.url),
    description: item.description === '' ? null : item.description,
    buildable: item.buildable,
    disabled: more.disabled ?? false,
    inQueue: more.inQueue ?? false,
    items: item.isFolder ? (more.jobs ?? []).length : null,
    parameters: item.parameters.map((parameter) => ({
      name: parameter.name,
      type: parameter.type.replace(/ParameterDefinition$/, ''),
      // A password parameter's default is a secret: never shown.
      default: !parameter.hasDefault ? null : /Password/.test(parameter.type) ? '****' : parameter.defaultValue,
      hasDefault: parameter.hasDefault,
      choices: parameter.choices,
      description: parameter.description === '' ? null : parameter.description,
    })),
    lastBuild: run(more.lastBuild),
    lastSuccessfulBuild: run(more.lastSuccessfulBuild),
    lastFailedBuild: run(more.lastFailedBuild),
  };
}

function printSummary(context: CliContext, summary: Summary): void {
  const out = context.out;
  const field = (label: string, value: string) => out.line(`  ${`${label}:`.padEnd(14)}${value}`);
  out.line(`${summary.fullName} (${typeOf(summary.className, summary.kind === 'folder')})`);
  if (summary.description) field('description', summary.description.replace(/\s*\n\s*/g, ' '));
  if (summary.kind === 'folder') {
    field('items', String(summary.items));
  } else {
    field('buildable', summary.buildable ? 'yes' : summary.disabled ? 'no: disabled' : 'no');
    if (summary.inQueue) field('queue', 'a build is waiting');
    for (const parameter of summary.parameters) {
      const value = parameter.choices && parameter.choices.length > 0 ? `choices ${parameter.choices.join(', ')}` : parameter.hasDefault ? `default ${JSON.stringify(parameter.default)}` : 'no default';
      field('parameter', `${parameter.name} (${parameter.type}), ${value}${parameter.description ? ` - ${parameter.description}` : ''}`);
    }
    const run = (build: Summary['lastBuild']) => (build ? `#${build.number} ${build.building ? 'building' : (build.result ?? '')}, started ${shortTime(build.startedAt)}` : 'none');
    field('last build', run(summary.lastBuild));
    field('last success', run(summary.lastSuccessfulBuild));
    field('last failure', run(summary.lastFailedBuild));
  }
  field('url', summary.url);
}

/**
 * A request to the item's URL + `action`. A 404 becomes "No such job" (with the nearest name), or
 * says the item is a folder, which has no such action.
 */
async function onItem(client: Client, ref: JobRef, method: 'GET' | 'POST', action: string): Promise<Response> {
  const target = `${ref.path}${action}`;
  const response = await client.send(method, target);
  if (response.status === 404) {
    const item = await readItem(client, ref);
    if (item.isFolder) throw new CliError(`${ref.fullName} is a folder, and ${action} is only for jobs.`, ExitCode.illegalArgument, `Name a job in it (steward job list ${ref.fullName}).`);
  }
  return client.expect(response, target);
}

/** POSTs createItem?name=LEAF to the parent folder; a missing parent is named as such. */
async function createItem(context: CliContext, client: Client, ref: JobRef, xml: string): Promise<void> {
  const slash = ref.fullName.lastIndexOf('/');
  const parent = slash < 0 ? null : ref.fullName.slice(0, slash);
  const target = `${parent === null ? '' : itemPath(parent)}createItem`;
  const options: RequestOptions = { query: { name: ref.fullName.slice(slash + 1) }, body: xml, contentType: 'application/xml', headers: { accept: 'application/json' } };
  const response = await client.send('POST', target, options);
  if (response.status === 404 && parent !== null) {
    await response.body?.cancel();
    throw new CliError(`There is no folder ${parent} to create ${ref.fullName} in.`, ExitCode.illegalArgument, `Create the folder first: steward job create ${parent} --folder`);
  }
  noteWarning(context, await client.expect(response, target));
  await response.body?.cancel();
}

/** Steward names the parts of a config.xml it keeps but does not act on. */
function noteWarning(context: CliContext, response: Response): void {
  const warning = response.headers.get('x-steward-warning');
  if (warning) context.out.note(warning);
}

/** The config.xml named by --file: a file, or `-` for standard input. */
async function configFile(file: string): Promise<string> {
  let xml: string;
  try {
    xml = file === '-' ? await readStdin() : readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`, ExitCode.usage);
  }
  if (xml.trim() === '') throw new CliError(`${file === '-' ? 'Standard input' : file} is empty; a config.xml was expected.`, ExitCode.usage);
  return xml;
}

/** A config.xml piped on standard input; null on a terminal or when nothing was piped. */
async function pipedConfig(): Promise<string | null> {
  if (process.stdin.isTTY) return null;
  const xml = await readStdin();
  return xml.trim() === '' ? null : xml;
}
