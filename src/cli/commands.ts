import type { Command } from 'commander';
import { registerCoreCommands } from './core-commands';
import { registerIncidentCommands } from './incident-commands';
import { registerNoticeCommands } from '../notices/cli/notices-commands';
import { registerTriageCommands } from '../incidents/cli/triage-commands';
import { registerAffectedCommands } from '../incidents/cli/affected-commands';
import type { CliRuntime } from './runtime';
import { registerWorkflowsCli } from '../workflows/cli/register';
import { registerRoleCommands } from '../platform/roles/role-commands';

/** Every context's CLI commands. Add your registrar here (one line). */
export const CLI_REGISTRARS: Array<(program: Command, cli: CliRuntime) => void> = [
  registerCoreCommands,
  registerIncidentCommands,
  registerTriageCommands,
  registerAffectedCommands,
  registerWorkflowsCli,
  registerNoticeCommands,
  registerRoleCommands,
];
