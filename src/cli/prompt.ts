import { read } from 'read';
import { CliError, ExitCode } from './exit-codes.js';

/** All of standard input, for `--password-stdin` and piped configuration. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The first line of standard input: a secret piped in (`--password-stdin`). */
export async function secretFromStdin(what: string): Promise<string> {
  const line = (await readStdin()).split(/\r?\n/)[0]?.trim() ?? '';
  if (line === '') throw new CliError(`Standard input held no ${what}.`, ExitCode.usage);
  return line;
}

/** Asks on the terminal (stderr); with `hidden`, what is typed is not echoed. */
export async function ask(question: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError(`No terminal to ask "${question.trim()}" on.`, ExitCode.usage, 'Give it as an option, or pipe it with --password-stdin.');
  return (await read({ prompt: question, silent: hidden, replace: hidden ? '' : undefined, output: process.stderr })).trim();
}
