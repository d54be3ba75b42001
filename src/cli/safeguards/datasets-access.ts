import type { Command } from 'commander';
import { absPathSchema, principalSchema } from '../../shared/agent-protocol';
import * as access from '../../access';
import * as datasets from '../../datasets';
import { CliUsageError } from '../runtime';
import { type SafeguardsKit, withoutVersion } from './kit';

/** `datasets …` and `access …`: PHI datasets on hosts, and the access grants the agents enforce. */
export function registerDatasetAndAccessCommands(program: Command, kit: SafeguardsKit): void {
  const { run, grantView, id, int } = kit;
  // ---- datasets ----
  const datasetsCmd = program.command('datasets').description('PHI datasets on hosts and their encryption state');
  datasetsCmd
    .command('register')
    .requiredOption('--agent <agentId>')
    .requiredOption('--path <abs path>')
    .option('--dataset-id <id>')
    .option('--kind <kind>', 'directory | database-datadir', 'directory')
    .action((o: { agent: string; path: string; datasetId?: string; kind: string }) => {
      if (!absPathSchema.safeParse(o.path).success) throw new CliUsageError('--path: must be an absolute normalized path');
      if (o.kind !== 'directory' && o.kind !== 'database-datadir') throw new CliUsageError('--kind: must be directory or database-datadir');
      const body = {
        datasetId: o.datasetId ? id('--dataset-id', o.datasetId) : undefined,
        agentId: id('--agent', o.agent),
        path: o.path,
        kind: o.kind as datasets.DatasetKind,
      };
      return run(async (b) => {
        const r = await b.command<{ datasetId: string; version: bigint }>(new datasets.RegisterDatasetCommand(body, b.ctx));
        return (await b.query<datasets.DatasetResult>(new datasets.GetDatasetQuery(r.datasetId, r.version))).view;
      });
    });
  datasetsCmd
    .command('encrypt <datasetId>')
    .requiredOption('--key <keyId>')
    .action((d: string, o: { key: string }) =>
      run(async (b) =>
        withoutVersion(
          await b.command<{ commandId: string; seq: number; version: bigint }>(
            new datasets.EncryptDatasetCommand(id('datasetId', d), id('--key', o.key), b.ctx),
          ),
        ),
      ),
    );
  datasetsCmd
    .command('shred <datasetId>')
    .description('proposes dataset.shred; two officers approve with `agents approve-command`')
    .action((d: string) =>
      run(async (b) =>
        withoutVersion(
          await b.command<{ commandId: string; status: string; version: bigint }>(
            new datasets.ShredDatasetCommand(id('datasetId', d), b.ctx),
          ),
        ),
      ),
    );
  datasetsCmd.command('list').action(() => run((b) => b.query(new datasets.ListDatasetsQuery())));
  datasetsCmd
    .command('show <datasetId>')
    .action((d: string) =>
      run(async (b) => (await b.query<datasets.DatasetResult>(new datasets.GetDatasetQuery(id('datasetId', d)))).view),
    );
  datasetsCmd
    .command('secured <datasetId>')
    .description('was the dataset secured at that moment, and why')
    .requiredOption('--at <iso>')
    .action((d: string, o: { at: string }) => {
      if (Number.isNaN(Date.parse(o.at))) throw new CliUsageError('--at: must be an ISO instant');
      return run((b) => b.query(new datasets.DatasetSecuredAtQuery(id('datasetId', d), new Date(o.at).toISOString())));
    });

  // ---- access ----
  const accessCmd = program.command('access').description('access grants enforced by the agents');
  accessCmd
    .command('request')
    .requiredOption('--principal <name>')
    .requiredOption('--dataset <datasetId>')
    .requiredOption('--purpose <text>')
    .option('--permission <p>', 'read | write', 'read')
    .option('--days <n>', 'duration', '30')
    .option('--grant-id <id>')
    .action((o: { principal: string; dataset: string; purpose: string; permission: string; days: string; grantId?: string }) => {
      if (!principalSchema.safeParse(o.principal).success)
        throw new CliUsageError('--principal: must be one named principal (no wildcards)');
      if (o.permission !== 'read' && o.permission !== 'write') throw new CliUsageError('--permission: must be read or write');
      const body = {
        grantId: o.grantId ? id('--grant-id', o.grantId) : undefined,
        principal: o.principal,
        datasetId: id('--dataset', o.dataset),
        permission: o.permission as access.Permission,
        purpose: o.purpose,
        durationDays: int('--days', o.days, 1, 365),
      };
      return run(async (b) => {
        const r = await b.command<{ grantId: string; version: bigint }>(new access.RequestGrantCommand(body, b.ctx));
        return grantView(b, r.grantId, r.version);
      });
    });
  accessCmd.command('approve <grantId>').action((g: string) =>
    run(async (b) => {
      const r = await b.command<access.GrantChange>(new access.ApproveGrantCommand(id('grantId', g), b.ctx));
      return { ...(await grantView(b, g, r.version)), command: r.command };
    }),
  );
  accessCmd
    .command('reject <grantId>')
    .requiredOption('--reason <text>')
    .action((g: string, o: { reason: string }) =>
      run(async (b) =>
        grantView(b, g, (await b.command<{ version: bigint }>(new access.RejectGrantCommand(id('grantId', g), o.reason, b.ctx))).version),
      ),
    );
  accessCmd
    .command('revoke <grantId>')
    .requiredOption('--reason <text>')
    .action((g: string, o: { reason: string }) =>
      run(async (b) => {
        const r = await b.command<access.GrantChange>(new access.RevokeGrantCommand(id('grantId', g), o.reason, b.ctx));
        return { ...(await grantView(b, g, r.version)), command: r.command };
      }),
    );
  accessCmd
    .command('list')
    .option('--dataset <datasetId>')
    .action((o: { dataset?: string }) =>
      run((b) => b.query(new access.ListGrantsQuery(o.dataset ? id('--dataset', o.dataset) : undefined))),
    );
  accessCmd.command('expire-due').action(() => run((b) => b.command(new access.ExpireDueGrantsCommand(b.ctx))));
  accessCmd
    .command('contain <principal>')
    .requiredOption('--reason <text>')
    .action((p: string, o: { reason: string }) => {
      if (!principalSchema.safeParse(p).success) throw new CliUsageError('principal: must be one named principal');
      return run(async (b) => {
        const revoked = await b.command<({ grantId: string } & access.GrantChange)[]>(
          new access.ContainPrincipalCommand(p, o.reason, b.ctx),
        );
        const out = [];
        for (const r of revoked) out.push({ ...(await grantView(b, r.grantId, r.version)), command: r.command });
        return out;
      });
    });
}
