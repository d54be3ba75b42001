import type { INestApplicationContext } from '@nestjs/common';
import type { CommandContext } from '../../ledger/ledger';
import { idSchema } from '../../shared/agent-protocol';
import * as access from '../../access';
import * as agents from '../../agents';
import * as keys from '../../keys';
import { CliUsageError, type CliRuntime } from '../runtime';

/** The CLI's view of the buses: commands and queries of the four safeguards contexts, nothing else. */
export interface Buses {
  command<R>(c: object): Promise<R>;
  query<R>(q: object): Promise<R>;
  ctx: CommandContext;
}

/** Versions are bigints inside the service; the CLI prints views, never raw results. */
export const withoutVersion = <T extends { version: bigint }>({ version: _v, ...rest }: T): Omit<T, 'version'> => rest;

/** What every safeguards command shares: running against the app's buses, views, and argument checks. */
export function safeguardsKit(cli: CliRuntime) {
  const run = (fn: (b: Buses, app: INestApplicationContext) => Promise<unknown>) =>
    cli.withApp(async (app) => {
      const ctx = await cli.actor(app);
      // Loaded here, not at the top: `officer keygen` needs no application.
      const { CommandBus, QueryBus } = await import('@nestjs/cqrs');
      const commands = app.get(CommandBus);
      const queries = app.get(QueryBus);
      cli.print(await fn({ command: (c) => commands.execute(c as never), query: (q) => queries.execute(q as never), ctx }, app));
    });
  const keyView = async (b: Buses, keyId: string, version?: bigint) =>
    (await b.query<keys.KeyResult>(new keys.GetKeyQuery(keyId, version))).view;
  const runKey = (keyId: string, action: keys.KeyAction) =>
    run(async (b) => {
      const r = await b.command<keys.RunKeyResult>(new keys.RunKeyCommand(keyId, action, b.ctx));
      const view = await keyView(b, keyId, r.version);
      return action.kind === 'request-revocation' || action.kind === 'approve-revocation' ? { ...view, proposals: r.proposals } : view;
    });
  const agentView = async (b: Buses, agentId: string, version?: bigint) =>
    (await b.query<agents.AgentResult>(new agents.GetAgentQuery(agentId, version))).view;
  const grantView = async (b: Buses, grantId: string, version?: bigint) =>
    (await b.query<access.GrantResult>(new access.GetGrantQuery(grantId, version))).view;
  const id = (field: string, v: string) => {
    if (!idSchema.safeParse(v).success) throw new CliUsageError(`${field}: must be a lower-case id (a-z, 0-9, -)`);
    return v;
  };
  const int = (field: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new CliUsageError(`${field}: must be an integer ${min}–${max}`);
    return n;
  };
  return { cli, run, keyView, runKey, agentView, grantView, id, int };
}

export type SafeguardsKit = ReturnType<typeof safeguardsKit>;
