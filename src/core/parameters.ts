import { DomainError } from './errors.js';

/**
 * Build parameters: what a job declares, and the values a build gets. Values become environment
 * variables of the build's steps. Password values are kept sealed (encrypted) everywhere except in
 * the environment of the process that runs the step.
 */
export type ParameterDefinition =
  | { readonly type: 'string'; readonly name: string; readonly description: string; readonly defaultValue: string; readonly trim: boolean }
  | { readonly type: 'text'; readonly name: string; readonly description: string; readonly defaultValue: string; readonly trim: boolean }
  | { readonly type: 'boolean'; readonly name: string; readonly description: string; readonly defaultValue: boolean }
  | { readonly type: 'choice'; readonly name: string; readonly description: string; readonly choices: readonly string[] }
  | { readonly type: 'password'; readonly name: string; readonly description: string; readonly sealedDefault: string };

export type ParameterType = ParameterDefinition['type'];

/** A parameter value as a build carries it. For passwords, `value` is the sealed form. */
export type ParameterValue =
  | { readonly type: 'string' | 'text' | 'choice'; readonly name: string; readonly value: string }
  | { readonly type: 'boolean'; readonly name: string; readonly value: boolean }
  | { readonly type: 'password'; readonly name: string; readonly sealed: string };

/** Seals a plaintext secret; supplied by the caller so that the domain stays free of key handling. */
export type Seal = (plaintext: string) => string;

/**
 * Names a parameter may not take: the variables the server sets for every build, and variables that
 * change how the shell or the dynamic linker behave. A parameter can never override them.
 */
const RESERVED = /^(BUILD_.*|JOB_.*|JENKINS_.*|HUDSON_.*|STEWARD_.*|WORKSPACE|WORKSPACE_TMP|EXECUTOR_NUMBER|NODE_NAME|NODE_LABELS|PATH|HOME|SHELL|IFS|BASH_ENV|SHELLOPTS|BASHOPTS|PS4|CDPATH|LD_.*|DYLD_.*|NODE_OPTIONS)$/;
/** Fields trigger URLs read for themselves (Build Token Root's `job` and `token`, core's `delay` and `cause`, …). */
const TRIGGER_FIELDS = new Set(['job', 'token', 'delay', 'cause', 'json', 'wait', 'timeout']);
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

export function checkParameterDefinitions(definitions: readonly ParameterDefinition[]): void {
  const seen = new Set<string>();
  definitions.forEach((definition, index) => {
    const field = `parameters.${index}`;
    if (!NAME.test(definition.name)) {
      throw new DomainError(
        'config_invalid',
        `Parameter name "${definition.name}" is not allowed.`,
        'Parameter names start with a letter or "_" and contain letters, digits, "_", "." or "-" (at most 128).',
      ).at(`${field}.name`);
    }
    if (RESERVED.test(definition.name)) {
      throw new DomainError(
        'config_invalid',
        `Parameter name "${definition.name}" is reserved: it would override a variable the server sets for every build.`,
        'Rename the parameter (BUILD_*, JOB_*, WORKSPACE, PATH, LD_* and similar are reserved).',
      ).at(`${field}.name`);
    }
    if (TRIGGER_FIELDS.has(definition.name)) {
      throw new DomainError(
        'config_invalid',
        `Parameter name "${definition.name}" is reserved: a trigger request uses ${definition.name}= for itself.`,
        `Rename the parameter; ${[...TRIGGER_FIELDS].join(', ')} are read by the trigger URLs.`,
      ).at(`${field}.name`);
    }
    if (seen.has(definition.name)) {
      throw new DomainError('config_invalid', `Parameter "${definition.name}" is declared twice.`, 'Remove one of the two.').at(`${field}.name`);
    }
    seen.add(definition.name);
    if (definition.type === 'choice' && definition.choices.length === 0) {
      throw new DomainError('config_invalid', `Choice parameter "${definition.name}" has no choices.`, 'List at least one choice.').at(`${field}.choices`);
    }
    const defaults = definition.type === 'choice' ? definition.choices : definition.type === 'string' || definition.type === 'text' ? [definition.defaultValue] : [];
    for (const value of defaults) {
      if (value.includes('\0')) {
        throw new DomainError(
          'config_invalid',
          `Parameter "${definition.name}" has a ${definition.type === 'choice' ? 'choice' : 'default value'} with a NUL character (U+0000), which a build's environment cannot hold.`,
          'Remove the NUL character.',
        ).at(`${field}.${definition.type === 'choice' ? 'choices' : 'defaultValue'}`);
      }
    }
  });
}

/** The value a parameter takes when a trigger does not supply one. */
export function defaultValue(definition: ParameterDefinition): ParameterValue {
  switch (definition.type) {
    case 'string':
    case 'text':
      return { type: definition.type, name: definition.name, value: definition.trim ? definition.defaultValue.trim() : definition.defaultValue };
    case 'boolean':
      return { type: 'boolean', name: definition.name, value: definition.defaultValue };
    case 'choice':
      return { type: 'choice', name: definition.name, value: definition.choices[0] ?? '' };
    case 'password':
      return { type: 'password', name: definition.name, sealed: definition.sealedDefault };
  }
}

/**
 * Values become environment variables of the build's steps, and an environment variable cannot hold
 * a NUL character (the build would fail to start): a value with one is refused when it is given.
 */
function checkEnvironmentSafe(name: string, value: string, what: string): void {
  if (value.includes('\0')) {
    throw new DomainError(
      'parameter_invalid',
      `${what} of parameter ${name} contains a NUL character (U+0000), which a build's environment cannot hold.`,
      `Remove the NUL character: parameters become environment variables of the build's steps.`,
    );
  }
}

/** A password parameter's default in plain text, checked before it is sealed (after, the core cannot see it). */
export function checkPasswordDefault(name: string, plaintext: string): string {
  checkEnvironmentSafe(name, plaintext, 'The default value');
  return plaintext;
}

/** Converts one supplied string into a value of the definition's type, as Jenkins does. */
export function valueFromString(definition: ParameterDefinition, raw: string, seal: Seal): ParameterValue {
  checkEnvironmentSafe(definition.name, raw, 'The value');
  switch (definition.type) {
    case 'string':
    case 'text':
      return { type: definition.type, name: definition.name, value: definition.trim ? raw.trim() : raw };
    case 'boolean':
      // Jenkins' Boolean.parseBoolean: "true" in any case is true, anything else is false.
      return { type: 'boolean', name: definition.name, value: raw.toLowerCase() === 'true' };
    case 'choice':
      if (!definition.choices.includes(raw)) {
        throw new DomainError(
          'parameter_invalid',
          `"${raw}" is not a valid choice for parameter ${definition.name}.`,
          `Use one of: ${definition.choices.map((choice) => JSON.stringify(choice)).join(', ')}.`,
        );
      }
      return { type: 'choice', name: definition.name, value: raw };
    case 'password':
      return { type: 'password', name: definition.name, sealed: seal(raw) };
  }
}

/**
 * Resolves the values of a build from what a trigger supplied: every declared parameter gets a value
 * (the supplied one, or its default); supplied names the job does not declare are ignored, as in
 * Jenkins, unless `rejectUnknown` is set (the `json` form, where Jenkins fails on them).
 */
export function resolveParameters(
  definitions: readonly ParameterDefinition[],
  supplied: ReadonlyMap<string, readonly string[]>,
  seal: Seal,
  options: { rejectUnknown: boolean },
): ParameterValue[] {
  if (options.rejectUnknown) {
    for (const name of supplied.keys()) {
      if (!definitions.some((definition) => definition.name === name)) {
        throw new DomainError(
          'parameter_invalid',
          `No such parameter definition: ${name}.`,
          `This job declares: ${definitions.map((definition) => definition.name).join(', ')}.`,
        );
      }
    }
  }
  return definitions.map((definition) => {
    const values = supplied.get(definition.name);
    if (values === undefined || values.length === 0) return defaultValue(definition);
    if (values.length > 1) {
      throw new DomainError(
        'parameter_invalid',
        `Parameter ${definition.name} was given ${values.length} values; it takes one.`,
        'Send each parameter once (not in both the query string and the body).',
      );
    }
    return valueFromString(definition, values[0] as string, seal);
  });
}

/** The text form of a value, as the build's environment sees it (passwords need unsealing first). */
export function plainValue(value: ParameterValue, unseal: (sealed: string) => string): string {
  if (value.type === 'password') return unseal(value.sealed);
  return String(value.value);
}
