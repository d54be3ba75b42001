import type { Command } from 'commander';
import { CliUsageError, type CliRuntime } from '../../cli/runtime';
import { registerWorkflowsCommands } from './workflows.command';

/** The registrar listed in src/cli/commands.ts. */
export function registerWorkflowsCli(program: Command, _cli: CliRuntime): void {
  registerWorkflowsCommands(program, undefined, (summary) => new CliUsageError(summary));
}
