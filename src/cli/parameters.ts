import { CliError, ExitCode } from './exit-codes.js';
import { nearest } from './nearest.js';
import type { RemoteItem } from './remote-jobs.js';

/** `-p KEY=VALUE`, repeatable: the values in the order given (a key may repeat). */
export function collectParameter(value: string, previous: Array<[string, string]>): Array<[string, string]> {
  const equals = value.indexOf('=');
  if (equals <= 0) throw new CliError(`-p takes KEY=VALUE, and ${JSON.stringify(value)} has no key or no "=".`, ExitCode.usage, 'For example: -p BRANCH=main');
  return [...previous, [value.slice(0, equals), value.slice(equals + 1)]];
}

/**
 * jenkins-cli's checks before a trigger, with its messages and exit codes: -p on a job without
 * parameters (4), an unknown name (2, with the nearest name), a choice not offered (3), a
 * parameter without a default and without a value (2).
 */
export function checkParameters(job: RemoteItem, given: ReadonlyArray<readonly [string, string]>): void {
  if (job.parameters.length === 0) {
    if (given.length > 0) throw new CliError(`${job.fullName} is not parameterized but the -p option was specified.`, ExitCode.illegalState, 'Drop the -p options, or add parameters to the job.');
    return;
  }
  const names = job.parameters.map((parameter) => parameter.name);
  for (const [name, value] of given) {
    const definition = job.parameters.find((parameter) => parameter.name === name);
    if (!definition) {
      const suggestion = nearest(name, names);
      throw new CliError(`'${name}' is not a valid parameter.${suggestion ? ` Did you mean ${suggestion}?` : ''}`, ExitCode.usage, `${job.fullName} takes: ${names.join(', ')}.`);
    }
    if (definition.choices && definition.choices.length > 0 && !definition.choices.includes(value)) {
      throw new CliError(`Illegal choice for parameter ${name}: ${value}`, ExitCode.illegalArgument, `Choose one of: ${definition.choices.join(', ')}.`);
    }
  }
  for (const definition of job.parameters) {
    if (!definition.hasDefault && !given.some(([name]) => name === definition.name)) {
      throw new CliError(`No default value for the parameter '${definition.name}'.`, ExitCode.usage, `Give it with -p ${definition.name}=VALUE.`);
    }
  }
}
