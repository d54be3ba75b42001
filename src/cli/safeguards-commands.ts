import type { Command } from 'commander';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import type { CommandContext } from '../ledger/ledger';
import type { SafeguardsService } from '../agents/safeguards.service';
import { absPathSchema, idSchema, principalSchema, signApproval, type Approval } from '../agents/domain/protocol';
import { generateSigningKeyPair, keyIdOf, privateKeyFromPem } from '../agents/domain/crypto';
import { CliUsageError, type CliRuntime } from './runtime';

/**
 * Operator commands for agents, keys, datasets and access grants (docs/agents.md). They append
 * to the ledger in-process; the running service (worker role) delivers the signed commands.
 */
export function registerSafeguardsCommands(program: Command, cli: CliRuntime): void {
  const run = (fn: (s: SafeguardsService, ctx: CommandContext, app: INestApplicationContext) => Promise<unknown>) =>
    cli.withApp(async (app) => {
      const ctx = await cli.actor(app);
      const { SafeguardsService: service } = await import('../agents/safeguards.service'); // `officer keygen` needs no app
      const s = app.get(service);
      await s.catchUp();
      cli.print(await fn(s, ctx, app));
    });
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
      cli.print({ publicKey: kp.publicKey, kid: keyIdOf(kp.publicKey), next: 'safeharbor-agent pin-approver --id <your principal id> --public-key <publicKey> on each host' });
    });

  // ---- agents ----
  const agents = program.command('agents').description('enroll, approve, revoke and command host agents');
  agents.command('token <agentId>').option('--ttl-minutes <n>', 'token lifetime (max 60)', '15').action((agentId: string, o: { ttlMinutes: string }) => run((s, ctx) => s.issueEnrollmentToken(id('agentId', agentId), int('--ttl-minutes', o.ttlMinutes, 1, 60), ctx)));
  agents.command('approve <agentId>').action((agentId: string) => run((s, ctx) => s.approveEnrollment(id('agentId', agentId), ctx)));
  agents.command('revoke <agentId>').requiredOption('--reason <text>').action((agentId: string, o: { reason: string }) => run((s, ctx) => s.revokeAgent(id('agentId', agentId), o.reason, ctx)));
  agents.command('list').action(() => run(async (s) => s.listAgents()));
  agents.command('show <agentId>').action((agentId: string) => run((s) => s.getAgent(id('agentId', agentId))));
  agents
    .command('scan <agentId>')
    .option('--path <path...>', 'PHI paths to check (default: the agent’s datasets)')
    .option('--check-updates', 'look for pending security updates')
    .action((agentId: string, o: { path?: string[]; checkUpdates?: boolean }) => {
      for (const p of o.path ?? []) if (!absPathSchema.safeParse(p).success) throw new CliUsageError('--path: must be an absolute normalized path');
      return run((s, ctx) => s.scanHost(id('agentId', agentId), { ...(o.path ? { paths: o.path } : {}), ...(o.checkUpdates ? { checkUpdates: true } : {}) }, ctx));
    });
  agents
    .command('approve-command <agentId> <commandId>')
    .description('sign and submit your approval of a destructive command (dataset.shred, key.revoke)')
    .requiredOption('--key <file>', 'your approval private key (from `safeharbor officer keygen`)')
    .action((agentId: string, commandId: string, o: { key: string }) =>
      run(async (s, ctx) => {
        const view = await s.getAgent(id('agentId', agentId));
        const p = view.awaitingApproval.find((x) => x.commandId === commandId);
        if (!p) throw new CliUsageError('commandId: no such command waiting for approval');
        const pem = readFileSync(o.key, 'utf8');
        const key = privateKeyFromPem(pem, 'ed25519');
        const pub = createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
        const approval: Approval = signApproval({ commandId, agentId, action: p.action, params: p.params }, { approverId: ctx.actor.id, role: ctx.actor.role as Approval['role'], approvedAt: new Date().toISOString(), kid: keyIdOf(pub), privateKey: key });
        return s.approveCommand(agentId, commandId, approval, ctx);
      }),
    );

  // ---- keys ----
  const keys = program.command('keys').description('key-encryption keys (NIST SP 800-57 lifecycle); never shows key material');
  keys
    .command('create')
    .requiredOption('--name <text>')
    .option('--key-id <id>')
    .option('--cryptoperiod-days <n>', 'rotation period', '365')
    .option('--max-custodians <n>', 'custodian limit', '3')
    .action((o: { name: string; keyId?: string; cryptoperiodDays: string; maxCustodians: string }) =>
      run((s, ctx) => s.generateKey({ keyId: o.keyId ? id('--key-id', o.keyId) : undefined, name: o.name, cryptoperiodDays: int('--cryptoperiod-days', o.cryptoperiodDays, 1, 3650), maxCustodians: int('--max-custodians', o.maxCustodians, 1, 10) }, ctx)),
    );
  for (const t of ['activate', 'suspend', 'reactivate', 'deactivate', 'cancel-revocation', 'cancel-destruction'] as const) {
    keys.command(`${t} <keyId>`).option('--reason <text>').action((keyId: string, o: { reason?: string }) => run((s, ctx) => s.keyTransition(id('keyId', keyId), t, o.reason, ctx)));
  }
  keys.command('rotate <keyId>').description('new version; every dataset under it is re-wrapped on its host').action((keyId: string) => run((s, ctx) => s.rotateKey(id('keyId', keyId), ctx)));
  keys
    .command('compromise <keyId>')
    .requiredOption('--reason <text>')
    .option('--at <iso>', 'when the compromise happened (default now)')
    .option('--incident <id>')
    .action((keyId: string, o: { reason: string; at?: string; incident?: string }) => {
      if (o.at && Number.isNaN(Date.parse(o.at))) throw new CliUsageError('--at: must be an ISO instant');
      return run((s, ctx) => s.markCompromised(id('keyId', keyId), { reason: o.reason, compromisedAt: o.at ? new Date(o.at).toISOString() : undefined, incidentId: o.incident }, ctx));
    });
  keys.command('revoke <keyId>').requiredOption('--reason <text>').action((keyId: string, o: { reason: string }) => run((s, ctx) => s.requestRevocation(id('keyId', keyId), o.reason, ctx)));
  keys.command('approve-revocation <keyId>').action((keyId: string) => run((s, ctx) => s.approveRevocation(id('keyId', keyId), ctx)));
  keys
    .command('schedule-destruction <keyId>')
    .requiredOption('--wait-days <n>', '7–30')
    .requiredOption('--reason <text>')
    .action((keyId: string, o: { waitDays: string; reason: string }) => run((s, ctx) => s.scheduleDestruction(id('keyId', keyId), int('--wait-days', o.waitDays, 7, 30), o.reason, ctx)));
  keys.command('destroy <keyId>').description('second officer, after the wait').action((keyId: string) => run((s, ctx) => s.destroyKey(id('keyId', keyId), ctx)));
  keys.command('custodian <keyId> <principal>').action((keyId: string, principal: string) => {
    if (!principalSchema.safeParse(principal).success) throw new CliUsageError('principal: must be one named principal');
    return run((s, ctx) => s.assignCustodian(id('keyId', keyId), principal, ctx));
  });
  keys.command('list').action(() => run(async (s) => s.listKeys()));
  keys.command('show <keyId>').action((keyId: string) => run((s) => s.keyView(id('keyId', keyId))));

  // ---- datasets ----
  const datasets = program.command('datasets').description('PHI datasets on hosts and their encryption state');
  datasets
    .command('register')
    .requiredOption('--agent <agentId>')
    .requiredOption('--path <abs path>')
    .option('--dataset-id <id>')
    .option('--kind <kind>', 'directory | database-datadir', 'directory')
    .action((o: { agent: string; path: string; datasetId?: string; kind: string }) => {
      if (!absPathSchema.safeParse(o.path).success) throw new CliUsageError('--path: must be an absolute normalized path');
      if (o.kind !== 'directory' && o.kind !== 'database-datadir') throw new CliUsageError('--kind: must be directory or database-datadir');
      return run((s, ctx) => s.registerDataset({ datasetId: o.datasetId ? id('--dataset-id', o.datasetId) : undefined, agentId: id('--agent', o.agent), path: o.path, kind: o.kind as 'directory' }, ctx));
    });
  datasets.command('encrypt <datasetId>').requiredOption('--key <keyId>').action((d: string, o: { key: string }) => run((s, ctx) => s.encryptDataset(id('datasetId', d), id('--key', o.key), ctx)));
  datasets.command('shred <datasetId>').description('proposes dataset.shred; two officers approve with `agents approve-command`').action((d: string) => run((s, ctx) => s.shredDataset(id('datasetId', d), ctx)));
  datasets.command('list').action(() => run(async (s) => s.listDatasets()));
  datasets.command('show <datasetId>').action((d: string) => run((s) => s.datasetView(id('datasetId', d))));
  datasets
    .command('secured <datasetId>')
    .description('was the dataset secured at that moment, and why')
    .requiredOption('--at <iso>')
    .action((d: string, o: { at: string }) => {
      if (Number.isNaN(Date.parse(o.at))) throw new CliUsageError('--at: must be an ISO instant');
      return run((s) => s.securedAt(id('datasetId', d), new Date(o.at).toISOString()));
    });

  // ---- access ----
  const access = program.command('access').description('access grants enforced by the agents');
  access
    .command('request')
    .requiredOption('--principal <name>')
    .requiredOption('--dataset <datasetId>')
    .requiredOption('--purpose <text>')
    .option('--permission <p>', 'read | write', 'read')
    .option('--days <n>', 'duration', '30')
    .option('--grant-id <id>')
    .action((o: { principal: string; dataset: string; purpose: string; permission: string; days: string; grantId?: string }) => {
      if (!principalSchema.safeParse(o.principal).success) throw new CliUsageError('--principal: must be one named principal (no wildcards)');
      if (o.permission !== 'read' && o.permission !== 'write') throw new CliUsageError('--permission: must be read or write');
      return run((s, ctx) => s.requestGrant({ grantId: o.grantId ? id('--grant-id', o.grantId) : undefined, principal: o.principal, datasetId: id('--dataset', o.dataset), permission: o.permission as 'read', purpose: o.purpose, durationDays: int('--days', o.days, 1, 365) }, ctx));
    });
  access.command('approve <grantId>').action((g: string) => run((s, ctx) => s.approveGrant(id('grantId', g), ctx)));
  access.command('reject <grantId>').requiredOption('--reason <text>').action((g: string, o: { reason: string }) => run((s, ctx) => s.rejectGrant(id('grantId', g), o.reason, ctx)));
  access.command('revoke <grantId>').requiredOption('--reason <text>').action((g: string, o: { reason: string }) => run((s, ctx) => s.revokeGrant(id('grantId', g), o.reason, ctx)));
  access.command('list').option('--dataset <datasetId>').action((o: { dataset?: string }) => run(async (s) => s.listGrants(o.dataset ? id('--dataset', o.dataset) : undefined)));
  access.command('expire-due').action(() => run((s, ctx) => s.expireDue(ctx)));
  access.command('contain <principal>').requiredOption('--reason <text>').action((p: string, o: { reason: string }) => {
    if (!principalSchema.safeParse(p).success) throw new CliUsageError('principal: must be one named principal');
    return run((s, ctx) => s.containPrincipal(p, o.reason, ctx));
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
      for (const p of o.principal ?? []) if (!principalSchema.safeParse(p).success) throw new CliUsageError('--principal: must be one named principal');
      if (o.compromisedAt && Number.isNaN(Date.parse(o.compromisedAt))) throw new CliUsageError('--compromised-at: must be an ISO instant');
      return run((s, ctx) => s.proposeContainment({ incidentId: o.incident, reason: o.reason, principals: o.principal ?? [], keyIds: (o.key ?? []).map((k) => id('--key', k)), compromisedAt: o.compromisedAt ? new Date(o.compromisedAt).toISOString() : undefined }, ctx));
    });
  cont.command('approve <containmentId>').description('a different officer: issues every proposed action').action((c: string) => run((s, ctx) => s.approveContainment(id('containmentId', c), ctx)));
}
