import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The reason codes are part of the API: every one the server can send is listed in docs/errors.md. */
describe('docs/errors.md', () => {
  it('lists every reason code with its status', () => {
    const source = readFileSync('src/http/errors.ts', 'utf8');
    const table = /const STATUS[^{]*\{([\s\S]*?)\n\};/.exec(source)?.[1] ?? '';
    const codes = [...table.matchAll(/^\s+([a-z_]+): (\d{3}),$/gm)].map((match) => [match[1] as string, match[2] as string] as const);
    expect(codes.length).toBeGreaterThan(50);
    const docs = readFileSync('docs/errors.md', 'utf8');
    const missing = codes.filter(([code, status]) => !new RegExp(`^\\| [^|]*\`${code}\`[^|]*\\| ${status} \\|`, 'm').test(docs));
    expect(missing).toEqual([]);
  });
});

/** Every command explains itself: `--help` with examples, and a section in docs/cli.md. */
describe('the steward command line', () => {
  it('has examples in every command’s --help and documents every command in docs/cli.md', async () => {
    const { allCommands, program } = await import('../src/cli/main.js');
    const { Output } = await import('../src/cli/output.js');
    const root = program({ env: {}, out: new Output() });
    const commands = allCommands(root).filter((command) => !(command as unknown as { _hidden?: boolean })._hidden);
    expect(commands.length).toBeGreaterThan(25);
    const withoutExamples = commands
      .filter((command) => {
        let help = '';
        command.configureOutput({ writeOut: (text) => (help += text), writeErr: (text) => (help += text) });
        command.outputHelp();
        return !help.includes('Examples:');
      })
      .map((command) => path(command));
    expect(withoutExamples).toEqual([]);
    const docs = readFileSync('docs/cli.md', 'utf8');
    const undocumented = commands.filter((command) => command !== root && !docs.includes(`steward ${path(command)}`)).map((command) => path(command));
    expect(undocumented).toEqual([]);
  });
});

function path(command: { name(): string; parent: unknown }): string {
  const names: string[] = [];
  for (let at: { name(): string; parent: unknown } | null = command; at && (at as { parent: unknown }).parent; at = at.parent as typeof at) names.unshift(at.name());
  return names.join(' ');
}
