import type { Command } from 'commander';
import type { CliRuntime } from './runtime';

export type CliRegistrar = (program: Command, cli: CliRuntime) => void;

/**
 * One group of `safeharbor` commands: the top-level names it registers and how to load it.
 * A command loads only its own group (a dynamic import), so `safeharbor triage` never loads
 * Nest, the ledger or the other contexts; `--help` loads them all.
 */
export interface CliGroup {
  readonly commands: readonly string[];
  /** The group loads no Nest-decorated code, so a run of only this group skips reflect-metadata. */
  readonly pure?: true;
  load(): Promise<CliRegistrar>;
}

/**
 * Every context's CLI commands. Add your group here (one entry): the top-level command names
 * your registrar adds (a test checks they match) and a dynamic import of it.
 */
export const CLI_GROUPS: readonly CliGroup[] = [
  { commands: ['serve', 'principals', 'projections'], load: async () => (await import('./core-commands')).registerCoreCommands },
  { commands: ['incidents'], load: async () => (await import('./incident-commands')).registerIncidentCommands },
  {
    commands: ['triage', 'overlays'],
    pure: true,
    load: async () => (await import('../incidents/cli/triage-commands')).registerTriageCommands,
  },
  { commands: ['affected', 'incidents'], load: async () => (await import('../incidents/cli/affected-commands')).registerAffectedCommands },
  {
    commands: ['ledger', 'witness', 'evidence'],
    load: async () => (await import('../ledger/integrity/cli/integrity-commands')).registerIntegrityCommands,
  },
  { commands: ['workflows'], load: async () => (await import('../workflows/cli/register')).registerWorkflowsCli },
  { commands: ['notices'], load: async () => (await import('../notices/cli/notices-commands')).registerNoticeCommands },
  {
    commands: ['officer', 'agents', 'keys', 'datasets', 'access', 'containment'],
    load: async () => (await import('./safeguards-commands')).registerSafeguardsCommands,
  },
  { commands: ['exposure', 'datasets'], load: async () => (await import('../exposure/cli/exposure-commands')).registerExposureCommands },
  { commands: ['status', 'risk'], load: async () => (await import('../risk/cli/risk-commands')).registerRiskCli },
  { commands: ['phi'], load: async () => (await import('./phi-commands')).registerPhiCommands },
  { commands: ['api', 'worker', 'scheduler'], load: async () => (await import('./role-commands')).registerRoleCommands },
];

/** The registrars for `name` (in CLI_GROUPS order), or every registrar when name is unknown. */
export async function registrarsFor(name: string | undefined): Promise<CliRegistrar[]> {
  const found = name === undefined ? [] : CLI_GROUPS.filter((g) => g.commands.includes(name));
  const groups = found.length > 0 ? found : CLI_GROUPS;
  // Nest's decorators need the Reflect metadata API before any decorated class loads.
  if (groups.some((g) => !g.pure)) await import('reflect-metadata');
  return Promise.all(groups.map((g) => g.load()));
}

/** Every registrar: for help, and for tests that need the whole command tree. */
export function allRegistrars(): Promise<CliRegistrar[]> {
  return registrarsFor(undefined);
}
