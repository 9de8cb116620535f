import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function registerJob(program: Command, context: CliContext): void {
  void program;
  void context;
}
