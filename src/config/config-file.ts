import { readFileSync } from 'node:fs';
import { projectNames } from '../core/job-edges.js';
import { splitPatterns } from '../core/archive.js';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { readGrants } from '../core/access.js';
import { DURATION_FORMS, parseDuration } from '../core/duration.js';
import { isDomainError } from '../core/errors.js';
import { MAX_AGENT_LOSS_RETRIES } from '../core/item.js';
import { labelExpressionSetting } from '../labels/label-expression.js';
import { parseTimerSpec } from '../timers/timer-spec.js';

/**
 * The native configuration file (`steward.yaml`): server settings, users, folders and jobs, applied
 * at every start. See docs/configuration.md. Parsing never half-succeeds: any problem is reported
 * with the file, the line and what is wrong, and the server does not start.
 */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

const duration = z.union([z.number().nonnegative(), z.string()]);
const secret = z.string();

const retention = z
  .object({
    builds: z.number().int().min(1).optional(),
    days: z.number().int().min(1).optional(),
  })
  .strict();

/** Grants as people write them: `{ "user:alice": [Job/Build, Job/Read], anonymous: [Overall/Read] }`. */
const grants = z.record(z.string(), z.array(z.string()));

const parameter = z
  .object({
    name: z.string().min(1),
    type: z.enum(['string', 'text', 'boolean', 'choice', 'password']).default('string'),
    description: z.string().default(''),
    default: z.union([z.string(), z.boolean(), z.number()]).optional(),
    trim: z.boolean().default(false),
    choices: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
  })
  .strict();

const step = z.union([
  z.string().transform((sh) => ({ sh, unstableReturn: undefined as number | undefined })),
  z.object({ sh: z.string(), unstableReturn: z.number().int().min(1).max(255).optional() }).strict(),
]);

/**
 * Source control, kept small: one git repository. Everything else the git plugin offers is for
 * config.xml (docs/source-control.md).
 */
const git = z
  .object({
    url: z.string().min(1),
    /** A branch specifier (`*\/main`, `refs/tags/v1`, a commit); every branch (`**`) when absent. */
    branch: z.string().optional(),
    /** The id of the credential the repository is reached with. */
    credentials: z.string().optional(),
    /** A shallow clone of this many commits. */
    depth: z.number().int().min(1).optional(),
    /** Where in the workspace to check out (a relative path); the workspace itself when absent. */
    directory: z.string().optional(),
    /** `git clean -fdx` before each checkout. */
    clean: z.boolean().default(false),
  })
  .strict();
/** A job's binding of a credential, as core's `Binding` (docs/credentials.md). */
const variable = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and _, not starting with a digit');
const binding = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('string'), credentialsId: z.string().min(1), variable }).strict(),
  z.object({ kind: z.literal('usernamePassword'), credentialsId: z.string().min(1), usernameVariable: variable, passwordVariable: variable }).strict(),
  z.object({ kind: z.literal('usernameColonPassword'), credentialsId: z.string().min(1), variable }).strict(),
  z.object({ kind: z.literal('file'), credentialsId: z.string().min(1), variable }).strict(),
  z.object({ kind: z.literal('sshUserPrivateKey'), credentialsId: z.string().min(1), keyFileVariable: variable, usernameVariable: variable.optional(), passphraseVariable: variable.optional() }).strict(),
]);
/** `{ projects: [a, folder/b], threshold: SUCCESS }`; `projects` may also be Jenkins' comma-separated string. */
const projectTrigger = z
  .object({
    projects: z.union([z.string().transform((list) => projectNames(list)), z.array(z.string().min(1))]),
    threshold: z.enum(['SUCCESS', 'UNSTABLE', 'FAILURE']).default('SUCCESS'),
  })
  .strict();

/** A list of Ant-style patterns, or Jenkins' comma-separated string of them. */
const patterns = z.union([z.string().transform((list) => splitPatterns(list)), z.array(z.string().min(1))]);
/** "Archive the artifacts": `{ include: 'dist/**', exclude: [...], allowEmpty: false, onlyIfSuccessful: false }`. */
const artifacts = z
  .object({
    include: patterns,
    exclude: patterns.default([]),
    allowEmpty: z.boolean().default(false),
    onlyIfSuccessful: z.boolean().default(false),
  })
  .strict();

const job = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    disabled: z.boolean().default(false),
    concurrent: z.boolean().default(false),
    quietPeriod: duration.optional(),
    timeout: duration.optional(),
    retention: retention.optional(),
    authToken: secret.optional(),
    grants: grants.optional(),
    coalesce: z.boolean().default(true),
    maxQueued: z.number().int().min(1).optional(),
    /** Where the job may run: a label expression (`linux && !arm`); absent or blank, any node. */
    label: z.string().optional(),
    /** How many times a build that lost its agent is queued again (0: never). */
    retryOnAgentLoss: z.number().int().min(0).max(MAX_AGENT_LOSS_RETRIES).default(0),
    /** "Build periodically": Jenkins' cron syntax (`H 2 * * 1-5`; several lines, `TZ=`). */
    timer: z.string().optional(),
    /** "Poll SCM": the same syntax; an empty string polls only when a push notification names the repository. */
    poll: z.string().optional(),
    /** A push GitHub delivers to /github-webhook/ for the job's repository and branch makes it poll. */
    githubPush: z.boolean().default(false),
    /** Source control: the git repository checked out into the workspace before the steps. */
    git: git.optional(),
    /** "Build after other projects are built": upstream jobs (relative to the job's folder) and the threshold. */
    upstream: projectTrigger.optional(),
    /** "Build other projects": downstream jobs (relative to the job's folder) and the threshold. */
    downstream: projectTrigger.optional(),
    parameters: z.array(parameter).default([]),
    steps: z.array(step).default([]),
    /** Credentials bound into each build; absent keeps those set through config.xml. */
    bindings: z.array(binding).optional(),
    /** Workspace files kept with each build after its steps. */
    artifacts: artifacts.optional(),
  })
  .strict();

export type FolderDeclaration = {
  name: string;
  description: string;
  grants?: Record<string, string[]> | undefined;
  folders: FolderDeclaration[];
  jobs: JobDeclaration[];
};

const folder: z.ZodType<FolderDeclaration, unknown> = z.lazy(() =>
  z
    .object({
      name: z.string().min(1),
      description: z.string().default(''),
      grants: grants.optional(),
      folders: z.array(folder).default([]),
      jobs: z.array(job).default([]),
    })
    .strict(),
);

const webhook = z
  .object({
    name: z.string().min(1),
    kind: z.enum(['github', 'gitlab', 'hmac']),
    secret,
    jobs: z.array(z.string().min(1)).min(1),
    events: z.array(z.string()).optional(),
    refs: z.array(z.string()).optional(),
    refField: z.string().optional(),
    parameters: z.record(z.string(), z.string()).optional(),
    signature: z
      .object({
        header: z.string().min(1),
        algorithm: z.enum(['sha1', 'sha256', 'sha512']).default('sha256'),
        prefix: z.string().default(''),
        encoding: z.enum(['hex', 'base64']).default('hex'),
      })
      .strict()
      .optional(),
    eventHeader: z.string().optional(),
    deliveryHeader: z.string().optional(),
  })
  .strict();

export type WebhookDeclaration = z.infer<typeof webhook>;

/**
 * A stored credential, in the system store or (`folder`, a full name) a folder's: created at the
 * first start that sees it and brought to these values at every start. Secret fields take `${VAR}`.
 */
const credential = z
  .object({
    id: z.string().min(1),
    kind: z.enum(['usernamePassword', 'secretText', 'secretFile', 'sshPrivateKey']),
    folder: z.string().min(1).optional(),
    description: z.string().default(''),
    username: z.string().optional(),
    fileName: z.string().optional(),
    password: secret.optional(),
    secret: secret.optional(),
    /** A secret file's bytes, base64. */
    content: secret.optional(),
    privateKey: secret.optional(),
    passphrase: secret.optional(),
  })
  .strict();

export type CredentialDeclaration = z.infer<typeof credential>;

/** An agent: created at the first start that sees it (its secret made then, and kept), brought to these values at every start. */
const node = z
  .object({
    name: z.string().min(1),
    labels: z.union([z.array(z.string()), z.string()]).optional(),
    executors: z.number().int().min(1).max(64).optional(),
    description: z.string().optional(),
  })
  .strict();

export type NodeDeclaration = z.infer<typeof node>;

const schema = z
  .object({
    settings: z
      .object({
        executors: z.number().int().min(0).max(1024).optional(),
        quietPeriod: duration.optional(),
        buildRetention: retention.optional(),
        url: z.url().optional(),
        bodyLimit: z.number().int().min(1024).optional(),
        maxQueuedPerJob: z.number().int().min(1).optional(),
        /** The most bytes one build may archive as artifacts (default 1 GiB). */
        artifactsMaxBuildBytes: z.number().int().min(1).optional(),
        trustedProxies: z.array(z.string()).optional(),
        buildUser: z.string().min(1).optional(),
        workspaceDir: z.string().min(1).optional(),
        metricsTokenFile: z.string().min(1).optional(),
        buildEnvironment: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and _, not starting with a digit'), z.string().refine((value) => !value.includes('\0'), 'a value cannot hold a NUL character')).optional(),
      })
      .strict()
      .default({}),
    security: z
      .object({
        authorization: z.enum(['loggedInUsersCanDoAnything', 'matrix']).optional(),
        allowAnonymousRead: z.boolean().optional(),
        crumbs: z.boolean().optional(),
        grants: grants.optional(),
        sessionTimeout: duration.optional(),
        failedAuthentications: z.object({ attempts: z.number().int().min(1), window: duration }).strict().optional(),
        triggerLimits: z
          .object({
            perToken: z.object({ triggers: z.number().int().min(0), window: duration }).strict().optional(),
            perAddress: z.object({ triggers: z.number().int().min(0), window: duration }).strict().optional(),
          })
          .strict()
          .optional(),
        auditRetention: duration.optional(),
        /** The id of the system secret text credential whose value signs GitHub's deliveries to /github-webhook/. */
        githubWebhookSecretCredential: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    users: z
      .array(
        z
          .object({
            id: z.string().min(1),
            fullName: z.string().optional(),
            password: secret,
            groups: z.array(z.string()).optional(),
          })
          .strict(),
      )
      .default([]),
    folders: z.array(folder).default([]),
    jobs: z.array(job).default([]),
    webhooks: z.array(webhook).default([]),
    credentials: z.array(credential).default([]),
    nodes: z.array(node).default([]),
  })
  .strict();

export type ConfigFile = z.infer<typeof schema>;
export type JobDeclaration = z.infer<typeof job>;

/** Reads and validates a configuration file; `${VAR}` in secret fields reads the environment. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`${path}: cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseConfigFile(text, path, env);
}

export function parseConfigFile(text: string, path: string, env: NodeJS.ProcessEnv): ConfigFile {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = document.errors[0];
  if (syntax) {
    const { line, col } = lines.linePos(syntax.pos[0]);
    throw new ConfigFileError(`${path}:${line}:${col}: ${syntax.message.split('\n')[0]}`);
  }
  const raw: unknown = document.toJS() ?? {};
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    throw new ConfigFileError(`${path}:${lineOf(document, lines, issue.path)}: ${describePath(issue.path)}${issue.message}`);
  }
  const config = result.data;
  substituteSecrets(config, env, (what, variable, where) => {
    throw new ConfigFileError(`${path}:${lineOf(document, lines, where)}: ${what} refers to \${${variable}}, but the environment variable ${variable} is not set.`);
  });
  checkDurations(config, (message, where) => {
    throw new ConfigFileError(`${path}:${lineOf(document, lines, where)}: ${message}`);
  });
  checkGrants(config, (message, where) => {
    throw new ConfigFileError(`${path}:${lineOf(document, lines, where)}: ${message}`);
  });
  checkLabels(config, (message, where) => {
    throw new ConfigFileError(`${path}:${lineOf(document, lines, where)}: ${message}`);
  });
  return config;
}

function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  return `${path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '')}: `;
}

function lineOf(document: Document, lines: LineCounter, path: readonly PropertyKey[]): number {
  for (let length = path.length; length >= 0; length--) {
    const node = length === 0 ? document.contents : document.getIn(path.slice(0, length) as Array<string | number>, true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) {
      // For a missing key, point at the mapping that should hold it.
      return lines.linePos(range[0]).line;
    }
    if (length === 0 && !isMap(document.contents)) return 1;
  }
  return 1;
}

type Path = Array<string | number>;

function expand(value: string, env: NodeJS.ProcessEnv, onMissing: (variable: string) => never): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, variable: string) => env[variable] ?? onMissing(variable));
}

/** Calls `visit` for every job declared at any depth, with its path in the document. */
function forEachJob(config: ConfigFile, visit: (declared: JobDeclaration, at: Path) => void): void {
  const visitFolders = (folders: FolderDeclaration[], at: Path) =>
    folders.forEach((declared, index) => {
      declared.jobs.forEach((one, j) => visit(one, [...at, index, 'jobs', j]));
      visitFolders(declared.folders, [...at, index, 'folders']);
    });
  config.jobs.forEach((one, index) => visit(one, ['jobs', index]));
  visitFolders(config.folders, ['folders']);
}

/** Secrets may come from the environment, written `${VAR}`; other fields are taken literally. */
function substituteSecrets(config: ConfigFile, env: NodeJS.ProcessEnv, missing: (what: string, variable: string, where: Path) => never): void {
  config.users.forEach((user, index) => {
    user.password = expand(user.password, env, (variable) => missing(`the password of user ${user.id}`, variable, ['users', index, 'password']));
  });
  config.webhooks.forEach((declared, index) => {
    declared.secret = expand(declared.secret, env, (variable) => missing(`the secret of webhook ${declared.name}`, variable, ['webhooks', index, 'secret']));
  });
  config.credentials.forEach((declared, index) => {
    for (const name of ['password', 'secret', 'content', 'privateKey', 'passphrase'] as const) {
      const value = declared[name];
      if (value !== undefined) declared[name] = expand(value, env, (variable) => missing(`the ${name} of credential ${declared.id}`, variable, ['credentials', index, name]));
    }
  });
  forEachJob(config, (declared, at) => {
    if (declared.authToken !== undefined) {
      declared.authToken = expand(declared.authToken, env, (variable) => missing(`the authToken of job ${declared.name}`, variable, [...at, 'authToken']));
    }
    declared.parameters.forEach((parameter, p) => {
      if (parameter.type === 'password' && typeof parameter.default === 'string') {
        parameter.default = expand(parameter.default, env, (variable) => missing(`the default of password parameter ${parameter.name}`, variable, [...at, 'parameters', p, 'default']));
      }
    });
  });
}

/** Durations are numbers of seconds or strings with a unit; checked here so errors name the line. */
function checkDurations(config: ConfigFile, fail: (message: string, where: Path) => never): void {
  const check = (value: number | string | undefined, where: Path) => {
    if (typeof value === 'string' && parseDuration(value) === null) fail(`"${value}" is not a duration; write a number of seconds or ${DURATION_FORMS}.`, where);
  };
  check(config.settings.quietPeriod, ['settings', 'quietPeriod']);
  check(config.security?.sessionTimeout, ['security', 'sessionTimeout']);
  check(config.security?.failedAuthentications?.window, ['security', 'failedAuthentications', 'window']);
  check(config.security?.triggerLimits?.perToken?.window, ['security', 'triggerLimits', 'perToken', 'window']);
  check(config.security?.triggerLimits?.perAddress?.window, ['security', 'triggerLimits', 'perAddress', 'window']);
  check(config.security?.auditRetention, ['security', 'auditRetention']);
  forEachJob(config, (declared, at) => {
    check(declared.quietPeriod, [...at, 'quietPeriod']);
    check(declared.timeout, [...at, 'timeout']);
  });
}

/** Grants name known principals and permissions, and folders and jobs get no server-wide ones. */
function checkGrants(config: ConfigFile, fail: (message: string, where: Path) => never): void {
  const check = (written: Record<string, string[]> | undefined, onItem: boolean, where: Path) => {
    if (written === undefined) return;
    try {
      readGrants(written, onItem ? 0 : null, 'grants');
    } catch (error) {
      if (!isDomainError(error)) throw error;
      fail(`${error.message}${error.hint ? ` ${error.hint}` : ''}`, where);
    }
  };
  check(config.security?.grants, false, ['security', 'grants']);
  const visitFolders = (folders: FolderDeclaration[], at: Path) =>
    folders.forEach((declared, index) => {
      check(declared.grants, true, [...at, index, 'grants']);
      visitFolders(declared.folders, [...at, index, 'folders']);
    });
  visitFolders(config.folders, ['folders']);
  forEachJob(config, (declared, at) => check(declared.grants, true, [...at, 'grants']));
}

/**
 * Label expressions and timer schedules parse. Items checks them again when the job is saved, as it
 * does for every way a job is configured; checking here too lets the error name the line, and stops
 * the start before anything is applied.
 */
function checkLabels(config: ConfigFile, fail: (message: string, where: Path) => never): void {
  forEachJob(config, (declared, at) => {
    const checks: Array<[string, () => unknown]> = [
      ['label', () => labelExpressionSetting(declared.label ?? null)],
      ['timer', () => (declared.timer === undefined ? null : parseTimerSpec(declared.timer, declared.name))],
      ['poll', () => (declared.poll === undefined || declared.poll.trim() === '' ? null : parseTimerSpec(declared.poll, declared.name))],
    ];
    for (const [key, check] of checks) {
      try {
        check();
      } catch (error) {
        if (!isDomainError(error)) throw error;
        fail(`${error.message}${error.hint ? ` ${error.hint}` : ''}`, [...at, key]);
      }
    }
  });
}

/** Seconds from a config duration (a number of seconds, or a string with a unit). */
export function seconds(value: number | string): number {
  return typeof value === 'number' ? value : Math.round((parseDuration(value) ?? 0) / 1000);
}

export function milliseconds(value: number | string): number {
  return typeof value === 'number' ? value * 1000 : (parseDuration(value) ?? 0);
}
