import type { Command } from 'commander';
import { principalSchema } from '../../shared/agent-protocol';
import * as keys from '../../keys';
import { CliUsageError } from '../runtime';
import { type SafeguardsKit } from './kit';

/** `keys …`: the key-encryption key lifecycle; never shows key material. */
export function registerKeyCommands(program: Command, kit: SafeguardsKit): void {
  const { run, keyView, runKey, id, int } = kit;
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
}
