/**
 * The agent's checks on a command, in the normative order of §3:
 *  1. envelope well-formed → 2. signature under a pinned service key → 3. only then parse the
 *  body and the action's params against strict schemas → 4. agentId is mine → 5. action on my
 *  local allow-list → 6. approvals present and valid for destructive actions → 7. within
 *  notBefore/expiresAt (small skew; lifetime ≤ 10 min) → 8. commandId already done? resend its
 *  stored signed result → 9. seq > lastSeq (the caller writes lastSeq durably before executing)
 *  and ≤ lastSeq + SEQ_WINDOW → 10. a gap in seq is reported.
 * Pure: state comes in through the context, the decision goes out; nothing is written here.
 */
import type { KeyObject } from 'node:crypto';
import { openMessage, type SignedMessage } from './signed-message';
import {
  commandSchema,
  DESTRUCTIVE_ACTIONS,
  firstIssue,
  MAX_COMMAND_TTL_MS,
  PARAM_SCHEMAS,
  TRUST_ACTION,
  verifyApproval,
  type Action,
  type AgentCommand,
} from './protocol';

export interface AgentCheckContext {
  agentId: string;
  serviceKey: (kid: string) => KeyObject | undefined;
  allowList: readonly Action[];
  /** Officers whose approval keys are pinned on this host. */
  approverKey: (approverId: string, kid: string) => KeyObject | undefined;
  now: Date;
  skewMs: number;
  lastSeq: number;
  doneResult: (commandId: string) => SignedMessage | undefined;
}

export type RefusalReason =
  | 'malformed-envelope'
  | 'wrong-type'
  | 'unknown-key'
  | 'bad-signature'
  | 'malformed-payload'
  | 'invalid-command'
  | 'invalid-params'
  | 'wrong-agent'
  | 'action-not-allowed'
  | 'approvals-missing'
  | 'approval-invalid'
  | 'not-yet-valid'
  | 'expired'
  | 'lifetime-too-long'
  | 'stale-seq'
  | 'seq-too-far-ahead';

/**
 * How far ahead of the last executed seq a command may be. Beyond it the command is refused and
 * lastSeq does not move, so one command with a forged far-ahead seq cannot lock out every real
 * command after it; real gaps (withheld or lost commands) are far smaller and still reported.
 */
export const SEQ_WINDOW = 1000;

export type CheckOutcome =
  | { kind: 'execute'; command: AgentCommand; digest: string; gap: { from: number; to: number } | null }
  | { kind: 'resend'; commandId: string; digest: string; seq: number; stored: SignedMessage }
  | { kind: 'refuse'; reason: RefusalReason; detail: string; digest: string | null; commandId: string | null; seq: number | null };

export function checkCommand(msg: unknown, ctx: AgentCheckContext): CheckOutcome {
  const opened = openMessage(msg, 'command', ctx.serviceKey);
  if (!opened.ok)
    return { kind: 'refuse', reason: opened.reason, detail: opened.detail, digest: opened.digest, commandId: null, seq: null };
  const digest = opened.digest;
  const parsed = commandSchema.safeParse(opened.body);
  if (!parsed.success)
    return { kind: 'refuse', reason: 'invalid-command', detail: firstIssue(parsed.error), digest, commandId: null, seq: null };
  const cmd = parsed.data as AgentCommand;
  const refuse = (reason: RefusalReason, detail: string): CheckOutcome => ({
    kind: 'refuse',
    reason,
    detail,
    digest,
    commandId: cmd.commandId,
    seq: cmd.seq,
  });
  const params = PARAM_SCHEMAS[cmd.action].safeParse(cmd.params);
  if (!params.success) return refuse('invalid-params', `params.${firstIssue(params.error)}`);

  if (cmd.agentId !== ctx.agentId) return refuse('wrong-agent', 'command is addressed to another agent');
  if (cmd.action !== TRUST_ACTION && !ctx.allowList.includes(cmd.action))
    return refuse('action-not-allowed', `${cmd.action} is not on this host's allow-list`);

  if (DESTRUCTIVE_ACTIONS.includes(cmd.action)) {
    const valid = new Set<string>();
    for (const a of cmd.approvals) {
      if (a.approverId === cmd.requestedBy) continue;
      const key = ctx.approverKey(a.approverId, a.kid);
      if (!key) continue;
      if (!verifyApproval(cmd, a, key)) return refuse('approval-invalid', `approval by ${a.approverId} does not verify`);
      valid.add(a.approverId);
    }
    if (valid.size < 2)
      return refuse(
        'approvals-missing',
        `${cmd.action} needs two approvals by distinct pinned officers other than the requester (${valid.size} valid)`,
      );
  }

  const now = ctx.now.getTime();
  const notBefore = Date.parse(cmd.notBefore);
  const expiresAt = Date.parse(cmd.expiresAt);
  if (expiresAt <= notBefore || expiresAt - notBefore > MAX_COMMAND_TTL_MS)
    return refuse('lifetime-too-long', 'expiresAt must be after notBefore and at most 10 minutes later');
  if (now + ctx.skewMs < notBefore) return refuse('not-yet-valid', 'command is not valid yet');
  if (now - ctx.skewMs > expiresAt) return refuse('expired', 'command has expired');

  const stored = ctx.doneResult(cmd.commandId);
  if (stored) return { kind: 'resend', commandId: cmd.commandId, digest, seq: cmd.seq, stored };

  if (cmd.seq <= ctx.lastSeq) return refuse('stale-seq', `seq ${cmd.seq} is not greater than the last executed seq ${ctx.lastSeq}`);
  if (cmd.seq > ctx.lastSeq + SEQ_WINDOW)
    return refuse('seq-too-far-ahead', `seq ${cmd.seq} is more than ${SEQ_WINDOW} ahead of the last executed seq ${ctx.lastSeq}`);
  const gap = cmd.seq > ctx.lastSeq + 1 ? { from: ctx.lastSeq + 1, to: cmd.seq - 1 } : null;
  return { kind: 'execute', command: { ...cmd, params: params.data as Record<string, unknown> }, digest, gap };
}
