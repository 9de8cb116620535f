import { readFileSync } from 'node:fs';
import { CliError, ExitCode } from './exit-codes.js';

/**
 * A secret given on the command line either as itself or as `@FILE` (its first line), so that it
 * need not appear in `ps` or the shell's history.
 */
export function readSecretArgument(value: string, option: string): string {
  if (!value.startsWith('@')) return value;
  const file = value.slice(1);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`${option} @${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, ExitCode.usage);
  }
  const line = text.split(/\r?\n/)[0]?.trim() ?? '';
  if (line === '') throw new CliError(`${option} @${file}: the file is empty.`, ExitCode.usage);
  return line;
}
