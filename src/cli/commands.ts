import type { Command } from 'commander';
import { registerCoreCommands } from './core-commands';
import { registerIncidentCommands } from './incident-commands';
import { registerSafeguardsCommands } from './safeguards-commands';
import type { CliRuntime } from './runtime';
import { registerWorkflowsCli } from '../workflows/cli/register';
import { registerRiskCli } from '../risk/cli/risk-commands';

/** Every context's CLI commands. Add your registrar here (one line). */
export const CLI_REGISTRARS: Array<(program: Command, cli: CliRuntime) => void> = [registerCoreCommands, registerIncidentCommands, registerWorkflowsCli, registerRiskCli, registerSafeguardsCommands];
