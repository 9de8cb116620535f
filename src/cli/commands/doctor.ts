import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function registerDoctor(program: Command, context: CliContext): void {
  void program;
  void context;
}
