import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import {
  absPathSchema,
  generateSigningKeyPair,
  keyIdOf,
  principalSchema,
  privateKeyFromPem,
  signApproval,
  type Approval,
} from '../../shared/agent-protocol';
import * as agents from '../../agents';
import { CliUsageError } from '../runtime';
import { type SafeguardsKit, withoutVersion } from './kit';

/** `officer keygen`, `agents …` and `containment …`: enrollment, the signed command channel and the containment playbook. */
export function registerAgentCommands(program: Command, kit: SafeguardsKit): void {
  const { cli, run, agentView, id, int } = kit;
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
