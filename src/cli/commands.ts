import type { Command } from 'commander';
import { registerCoreCommands } from './core-commands';
import { registerIncidentCommands } from './incident-commands';
import type { CliRuntime } from './runtime';
import { registerRoleCommands } from '../platform/roles/role-commands';

/** Every context's CLI commands. Add your registrar here (one line). */
export const CLI_REGISTRARS: Array<(program: Command, cli: CliRuntime) => void> = [registerCoreCommands, registerIncidentCommands, registerRoleCommands];
