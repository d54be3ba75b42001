import type { Command } from 'commander';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import type { CommandContext } from '../ledger/ledger';
import {
  absPathSchema,
  generateSigningKeyPair,
  idSchema,
  keyIdOf,
  principalSchema,
  privateKeyFromPem,
  signApproval,
  type Approval,
} from '../shared/agent-protocol';
import * as access from '../access';
import * as agents from '../agents';
import * as datasets from '../datasets';
import * as keys from '../keys';
import { CliUsageError, type CliRuntime } from './runtime';

/** The CLI's view of the buses: commands and queries of the four safeguards contexts, nothing else. */
interface Buses {
  command<R>(c: object): Promise<R>;
  query<R>(q: object): Promise<R>;
  ctx: CommandContext;
}

/** Versions are bigints inside the service; the CLI prints views, never raw results. */
const withoutVersion = <T extends { version: bigint }>({ version: _v, ...rest }: T): Omit<T, 'version'> => rest;

/**
 * Operator commands for agents, keys, datasets and access grants (docs/agents.md). They append
 * to the ledger in-process through each context's commands; the running service (worker role)
 * delivers the signed commands.
 */
export function registerSafeguardsCommands(program: Command, cli: CliRuntime): void {
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

  // ---- officer approval keys (kept by the officer; the public half is pinned on each host) ----
  const officer = program.command('officer').description('an officer’s own approval key for destructive agent commands');
  officer
    .command('keygen')
    .requiredOption('--out <file>', 'where to write the private key (0600)')
    .action((o: { out: string }) => {
      if (existsSync(o.out)) throw new CliUsageError('--out: file exists');
      const kp = generateSigningKeyPair();
      writeFileSync(o.out, kp.privateKeyPem, { mode: 0o600, flag: 'wx' });
      cli.print({
        publicKey: kp.publicKey,
        kid: keyIdOf(kp.publicKey),
        next: 'safeharbor-agent pin-approver --id <your principal id> --public-key <publicKey> on each host',
      });
    });

  // ---- agents ----
  const agentsCmd = program.command('agents').description('enroll, approve, revoke and command host agents');
  agentsCmd
    .command('token <agentId>')
    .option('--ttl-minutes <n>', 'token lifetime (max 60)', '15')
    .action((agentId: string, o: { ttlMinutes: string }) =>
      run(async (b) =>
        withoutVersion(
          await b.command<agents.EnrollmentToken>(
            new agents.IssueEnrollmentTokenCommand(id('agentId', agentId), int('--ttl-minutes', o.ttlMinutes, 1, 60), b.ctx),
          ),
        ),
      ),
    );
  agentsCmd
    .command('approve <agentId>')
    .action((agentId: string) =>
      run(async (b) =>
        agentView(
          b,
          agentId,
          (await b.command<{ version: bigint }>(new agents.ApproveEnrollmentCommand(id('agentId', agentId), b.ctx))).version,
        ),
      ),
    );
  agentsCmd
    .command('revoke <agentId>')
    .requiredOption('--reason <text>')
    .action((agentId: string, o: { reason: string }) =>
      run(async (b) =>
        agentView(
          b,
          agentId,
          (await b.command<{ version: bigint }>(new agents.RevokeAgentCommand(id('agentId', agentId), o.reason, b.ctx))).version,
        ),
      ),
    );
  agentsCmd.command('list').action(() => run((b) => b.query(new agents.ListAgentsQuery())));
  agentsCmd.command('show <agentId>').action((agentId: string) => run((b) => agentView(b, id('agentId', agentId))));
  agentsCmd
    .command('scan <agentId>')
    .option('--path <path...>', 'PHI paths to check (default: the agent’s datasets)')
    .option('--check-updates', 'look for pending security updates')
    .action((agentId: string, o: { path?: string[]; checkUpdates?: boolean }) => {
      for (const p of o.path ?? [])
        if (!absPathSchema.safeParse(p).success) throw new CliUsageError('--path: must be an absolute normalized path');
      const params = { ...(o.path ? { paths: o.path } : {}), ...(o.checkUpdates ? { checkUpdates: true } : {}) };
      return run(async (b) =>
        withoutVersion(
          await b.command<agents.IssuedAgentCommand>(new agents.IssueAgentCommand(id('agentId', agentId), 'host.scan', params, b.ctx)),
        ),
      );
    });
  agentsCmd
    .command('approve-command <agentId> <commandId>')
    .description('sign and submit your approval of a destructive command (dataset.shred, key.revoke)')
    .requiredOption('--key <file>', 'your approval private key (from `safeharbor officer keygen`)')
    .action((agentId: string, commandId: string, o: { key: string }) =>
      run(async (b) => {
        const view = await agentView(b, id('agentId', agentId));
        const p = view.awaitingApproval.find((x) => x.commandId === commandId);
        if (!p) throw new CliUsageError('commandId: no such command waiting for approval');
        const key = privateKeyFromPem(readFileSync(o.key, 'utf8'), 'ed25519');
        const pub = createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
        const approval: Approval = signApproval(
          { commandId, agentId, action: p.action, params: p.params },
          {
            approverId: b.ctx.actor.id,
            role: b.ctx.actor.role as Approval['role'],
            approvedAt: new Date().toISOString(),
            kid: keyIdOf(pub),
            privateKey: key,
          },
        );
        return withoutVersion(
          await b.command<agents.AgentCommandApproval>(new agents.ApproveAgentCommand(agentId, commandId, approval, b.ctx)),
        );
      }),
    );

  // ---- keys ----
  const keysCmd = program.command('keys').description('key-encryption keys (NIST SP 800-57 lifecycle); never shows key material');
  keysCmd
    .command('create')
    .requiredOption('--name <text>')
    .option('--key-id <id>')
    .option('--cryptoperiod-days <n>', 'rotation period', '365')
    .option('--max-custodians <n>', 'custodian limit', '3')
    .action((o: { name: string; keyId?: string; cryptoperiodDays: string; maxCustodians: string }) => {
      const body = {
        keyId: o.keyId ? id('--key-id', o.keyId) : undefined,
        name: o.name,
        cryptoperiodDays: int('--cryptoperiod-days', o.cryptoperiodDays, 1, 3650),
        maxCustodians: int('--max-custodians', o.maxCustodians, 1, 10),
      };
      return run(async (b) => {
        const r = await b.command<{ keyId: string; version: bigint }>(new keys.GenerateKeyCommand(body, b.ctx));
        return keyView(b, r.keyId, r.version);
      });
    });
  for (const t of ['activate', 'suspend', 'reactivate', 'deactivate', 'cancel-revocation', 'cancel-destruction'] as const) {
    keysCmd
      .command(`${t} <keyId>`)
      .option('--reason <text>')
      .action((keyId: string, o: { reason?: string }) => runKey(id('keyId', keyId), { kind: t, reason: o.reason }));
  }
  keysCmd
    .command('rotate <keyId>')
    .description('new version; every dataset under it is re-wrapped on its host')
    .action((keyId: string) =>
      run(async (b) => {
        const r = await b.command<keys.RotateKeyResult>(new keys.RotateKeyCommand(id('keyId', keyId), b.ctx));
        return { ...(await keyView(b, keyId, r.version)), commands: r.commands };
      }),
    );
  keysCmd
    .command('compromise <keyId>')
    .requiredOption('--reason <text>')
    .option('--at <iso>', 'when the compromise happened (default now)')
    .option('--incident <id>')
    .action((keyId: string, o: { reason: string; at?: string; incident?: string }) => {
      if (o.at && Number.isNaN(Date.parse(o.at))) throw new CliUsageError('--at: must be an ISO instant');
      return runKey(id('keyId', keyId), {
        kind: 'mark-compromised',
        reason: o.reason,
        compromisedAt: o.at ? new Date(o.at).toISOString() : undefined,
        incidentId: o.incident,
      });
    });
  keysCmd
    .command('revoke <keyId>')
    .requiredOption('--reason <text>')
    .action((keyId: string, o: { reason: string }) => runKey(id('keyId', keyId), { kind: 'request-revocation', reason: o.reason }));
  keysCmd.command('approve-revocation <keyId>').action((keyId: string) => runKey(id('keyId', keyId), { kind: 'approve-revocation' }));
  keysCmd
    .command('schedule-destruction <keyId>')
    .requiredOption('--wait-days <n>', '7–30')
    .requiredOption('--reason <text>')
    .action((keyId: string, o: { waitDays: string; reason: string }) =>
      runKey(id('keyId', keyId), { kind: 'schedule-destruction', waitDays: int('--wait-days', o.waitDays, 7, 30), reason: o.reason }),
    );
  keysCmd
    .command('destroy <keyId>')
    .description('second officer, after the wait')
    .action((keyId: string) => runKey(id('keyId', keyId), { kind: 'destroy' }));
  keysCmd.command('custodian <keyId> <principal>').action((keyId: string, principal: string) => {
    if (!principalSchema.safeParse(principal).success) throw new CliUsageError('principal: must be one named principal');
    return runKey(id('keyId', keyId), { kind: 'assign-custodian', principal });
  });
  keysCmd.command('list').action(() => run((b) => b.query(new keys.ListKeysQuery())));
  keysCmd.command('show <keyId>').action((keyId: string) => run((b) => keyView(b, id('keyId', keyId))));

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

  // ---- containment playbook ----
  const cont = program.command('containment').description('contain a compromised principal or key named by an incident');
  cont
    .command('propose')
    .requiredOption('--incident <id>')
    .requiredOption('--reason <text>')
    .option('--principal <name...>', 'compromised principals (their grants are revoked)')
    .option('--key <keyId...>', 'compromised keys (rotated, then marked compromised)')
    .option('--compromised-at <iso>')
    .action((o: { incident: string; reason: string; principal?: string[]; key?: string[]; compromisedAt?: string }) => {
      for (const p of o.principal ?? [])
        if (!principalSchema.safeParse(p).success) throw new CliUsageError('--principal: must be one named principal');
      if (o.compromisedAt && Number.isNaN(Date.parse(o.compromisedAt))) throw new CliUsageError('--compromised-at: must be an ISO instant');
      const body = {
        incidentId: o.incident,
        reason: o.reason,
        principals: o.principal ?? [],
        keyIds: (o.key ?? []).map((k) => id('--key', k)),
        compromisedAt: o.compromisedAt ? new Date(o.compromisedAt).toISOString() : undefined,
      };
      return run(async (b) =>
        withoutVersion(await b.command<agents.ContainmentProposal>(new agents.ProposeContainmentCommand(body, b.ctx))),
      );
    });
  cont
    .command('approve <containmentId>')
    .description('a different officer: issues every proposed action')
    .action((c: string) =>
      run(async (b) =>
        withoutVersion(await b.command<agents.ContainmentExecution>(new agents.ApproveContainmentCommand(id('containmentId', c), b.ctx))),
      ),
    );
}
