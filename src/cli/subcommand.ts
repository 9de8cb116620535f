import type { Command } from 'commander';
import { withConnection } from './context.js';

function examplesText(examples: readonly string[]): string {
  return `\nExamples:\n${examples.map((example) => `  ${example}`).join('\n')}`;
}

/** A command that groups others (`steward job …`), with an Examples block in its --help. */
export function commandGroup(program: Command, name: string, description: string, examples: readonly string[]): Command {
  return program.command(name).description(description).addHelpText('after', examplesText(examples));
}

/**
 * A command below a group, with the connection options (so that --server and --auth may follow it)
 * and an Examples block in its --help, after `notes` when given. `isDefault`: the one run when the
 * group is given alone.
 */
export function subcommand(group: Command, name: string, description: string, examples: readonly string[], options: { isDefault?: boolean; notes?: string } = {}): Command {
  const command = group.command(name, { isDefault: options.isDefault ?? false }).description(description);
  withConnection(command);
  return command.addHelpText('after', `${options.notes ? `\n${options.notes}\n` : ''}${examplesText(examples)}`);
}

/** A repeatable option's values, in the order given (`--job a --job b`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
