import type { Command } from 'commander';
import type { CliRuntime } from './runtime';
import { registerAgentCommands } from './safeguards/agents';
import { registerDatasetAndAccessCommands } from './safeguards/datasets-access';
import { safeguardsKit } from './safeguards/kit';
import { registerKeyCommands } from './safeguards/keys';

/**
 * Operator commands for agents, keys, datasets and access grants (docs/agents.md). They append
 * to the ledger in-process through each context's commands; the running service (worker role)
 * delivers the signed commands.
 */
export function registerSafeguardsCommands(program: Command, cli: CliRuntime): void {
  const kit = safeguardsKit(cli);
  registerAgentCommands(program, kit);
  registerKeyCommands(program, kit);
  registerDatasetAndAccessCommands(program, kit);
}
