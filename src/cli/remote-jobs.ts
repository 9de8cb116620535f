import { RemoteError, type Client } from './client.js';
import { CliError, ExitCode } from './exit-codes.js';
import { itemPath } from '../core/item-url.js';
import type { JobRef } from './job-ref.js';
import { nearest } from './nearest.js';

/** A parameter definition as Jenkins' API shows it. */
export interface RemoteParameter {
  readonly name: string;
  /** `StringParameterDefinition`, `ChoiceParameterDefinition`, … */
  readonly type: string;
  readonly defaultValue: unknown;
  readonly hasDefault: boolean;
  readonly choices: readonly string[] | null;
  readonly description: string | null;
}

export interface RemoteItem {
  readonly className: string;
  readonly name: string;
  readonly fullName: string;
  readonly fullDisplayName: string;
  readonly url: string;
  readonly isFolder: boolean;
  readonly buildable: boolean;
  readonly color: string | null;
  readonly description: string | null;
  readonly parameters: readonly RemoteParameter[];
}

interface ItemJson {
  _class?: string;
  name?: string;
  fullName?: string;
  fullDisplayName?: string;
  url?: string;
  buildable?: boolean;
  color?: string;
  description?: string | null;
  jobs?: unknown[];
  property?: Array<{ parameterDefinitions?: ParameterJson[] }>;
}

interface ParameterJson {
  name: string;
  type?: string;
  description?: string | null;
  choices?: string[];
  defaultParameterValue?: { value?: unknown } | null;
}

const ITEM_TREE = '_class,name,fullName,fullDisplayName,url,buildable,color,description,jobs[name],property[parameterDefinitions[name,type,description,choices,defaultParameterValue[value]]]';

/** The job or folder `ref` names; a 404 becomes "No such job" with the nearest name visible in its folder. */
export async function readItem(client: Client, ref: JobRef): Promise<RemoteItem> {
  let json: ItemJson;
  try {
    json = await client.json<ItemJson>(`${ref.path}api/json`, { query: { tree: ITEM_TREE } });
  } catch (error) {
    if (error instanceof RemoteError && error.status === 404) throw await noSuchJob(client, ref);
    throw error;
  }
  return toItem(json, ref.fullName);
}

function toItem(json: ItemJson, fullName: string): RemoteItem {
  const isFolder = Array.isArray(json.jobs) || /Folder|OrganizationFolder|MultiBranch/.test(json._class ?? '');
  const definitions = (json.property ?? []).flatMap((property) => property.parameterDefinitions ?? []);
  return {
    className: json._class ?? '',
    name: json.name ?? fullName.split('/').at(-1) ?? fullName,
    fullName: json.fullName ?? fullName,
    fullDisplayName: json.fullDisplayName ?? fullName,
    url: json.url ?? '',
    isFolder,
    buildable: json.buildable ?? !isFolder,
    color: json.color ?? null,
    description: json.description ?? null,
    parameters: definitions.map((definition) => ({
      name: definition.name,
      type: definition.type ?? '',
      defaultValue: definition.defaultParameterValue?.value,
      hasDefault: definition.defaultParameterValue !== null && definition.defaultParameterValue !== undefined,
      choices: definition.choices ?? null,
      description: definition.description ?? null,
    })),
  };
}

/** The items directly in a folder (null: the top level), as full names with their class and colour. */
export async function listChildren(client: Client, folder: string | null): Promise<Array<{ fullName: string; className: string; color: string | null; isFolder: boolean }>> {
  const base = folder === null ? '' : itemPath(folder);
  const json = await client.json<{ jobs?: Array<{ _class?: string; name: string; color?: string; jobs?: unknown }> }>(`${base}api/json`, { query: { tree: 'jobs[name,color,jobs[name]]' } });
  return (json.jobs ?? []).map((job) => ({
    fullName: folder === null ? job.name : `${folder}/${job.name}`,
    className: job._class ?? '',
    color: job.color ?? null,
    isFolder: job.jobs !== undefined || /Folder/.test(job._class ?? ''),
  }));
}

export async function noSuchJob(client: Client, ref: JobRef): Promise<CliError> {
  const parts = ref.fullName.split('/');
  const parent = parts.length > 1 ? parts.slice(0, -1).join('/') : null;
  let suggestion: string | null = null;
  try {
    const siblings = await listChildren(client, parent);
    suggestion = nearest(
      ref.fullName,
      siblings.map((sibling) => sibling.fullName),
    );
  } catch {
    // the parent is not readable either: no suggestion
  }
  return new CliError(
    `No such job '${ref.fullName}'${suggestion ? `; perhaps you meant '${suggestion}'?` : '.'}`,
    ExitCode.illegalArgument,
    client.credential ? `Or ${client.credential.user} may not see it: ask for Job/Read on it.` : 'Or it is not visible without credentials: pass --auth USER:TOKEN.',
  );
}
