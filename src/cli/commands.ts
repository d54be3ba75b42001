import type { Command } from 'commander';
import { registerAffectedCommands } from '../incidents/cli/affected-commands';
import { registerTriageCommands } from '../incidents/cli/triage-commands';
import { registerIntegrityCommands } from '../ledger/integrity/cli/integrity-commands';
import { registerNoticeCommands } from '../notices/cli/notices-commands';
import { registerRiskCli } from '../risk/cli/risk-commands';
import { registerWorkflowsCli } from '../workflows/cli/register';
import { registerCoreCommands } from './core-commands';
import { registerIncidentCommands } from './incident-commands';
import { registerSafeguardsCommands } from './safeguards-commands';
import type { CliRuntime } from './runtime';
import { registerRoleCommands } from './role-commands';

/** Every context's CLI commands. Add your registrar here (one line). */
export const CLI_REGISTRARS: Array<(program: Command, cli: CliRuntime) => void> = [
  registerCoreCommands,
  registerIncidentCommands,
  registerTriageCommands,
  registerAffectedCommands,
  registerIntegrityCommands,
  registerWorkflowsCli,
  registerNoticeCommands,
  registerSafeguardsCommands,
  registerRiskCli,
  registerRoleCommands,
];
