/**
 * Bodies of the agent channel (§3 of keys-ledger-agents.md): commands, approvals, results and
 * heartbeats, with strict schemas. Actions come from a closed list; never a shell command.
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalBytes } from '../canonical-json';
import { ed25519Sign, ed25519Verify, sha256Hex } from './crypto';
import { signingInput } from './signed-message';

export const ACTIONS = [
  'dataset.encrypt',
  'key.rewrap',
  'key.revoke',
  'dataset.shred',
  'access.apply',
  'access.revoke',
  'host.scan',
  'agent.trust',
] as const;
export type Action = (typeof ACTIONS)[number];
/** Destructive actions carry two officer approvals the agent verifies itself, and are off in the default allow-list. */
export const DESTRUCTIVE_ACTIONS: readonly Action[] = ['key.revoke', 'dataset.shred', 'agent.trust'];
/**
 * Changing what the agent trusts (its allow-list, pinned officer keys, pinned service keys) after
 * enrollment: always accepted by the allow-list check, since it is how the allow-list changes,
 * and always carrying two approvals by officers already pinned on the host.
 */
export const TRUST_ACTION = 'agent.trust' satisfies Action;
export const DEFAULT_ALLOW_LIST: readonly Action[] = ['dataset.encrypt', 'key.rewrap', 'access.apply', 'access.revoke', 'host.scan'];
/** A command may live at most this long (expiresAt − notBefore). */
export const MAX_COMMAND_TTL_MS = 10 * 60 * 1000;
export const DEFAULT_SKEW_MS = 30 * 1000;

export const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a lower-case id (a-z, 0-9, -)');
const uuidSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a UUID');
const instantSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/, 'must be an ISO instant in UTC')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a valid instant');
/** A principal name: no wildcards, no globs, no spaces. */
export const principalSchema = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/, 'must be one named principal (no wildcards)');
export const absPathSchema = z
  .string()
  .min(2)
  .max(4096)
  .refine(
    (p) => p.startsWith('/') && !p.includes('\0') && !p.split('/').some((s) => s === '..' || s === '.') && !p.endsWith('/'),
    'must be an absolute normalized path',
  );
export const sealedBoxSchema = z.strictObject({
  alg: z.literal('X25519-HKDF-SHA256-A256GCM'),
  epk: z.string().max(200),
  nonce: z.string().max(24),
  ct: z.string().max(200),
});
const versionSchema = z.number().int().min(1).max(1_000_000);

export const PARAM_SCHEMAS = {
  'dataset.encrypt': z.strictObject({
    datasetId: idSchema,
    path: absPathSchema,
    keyId: idSchema,
    keyVersion: versionSchema,
    sealedKey: sealedBoxSchema,
  }),
  'key.rewrap': z.strictObject({ datasetId: idSchema, keyId: idSchema, toVersion: versionSchema, sealedKey: sealedBoxSchema }),
  'key.revoke': z.strictObject({ keyId: idSchema }),
  'dataset.shred': z.strictObject({ datasetId: idSchema }),
  'access.apply': z.strictObject({
    datasetId: idSchema,
    grants: z
      .array(
        z.strictObject({ grantId: idSchema, principal: principalSchema, permission: z.enum(['read', 'write']), expiresAt: instantSchema }),
      )
      .max(10_000),
  }),
  'access.revoke': z.strictObject({ datasetId: idSchema, grantId: idSchema }),
  'host.scan': z.strictObject({ paths: z.array(absPathSchema).max(100).optional(), checkUpdates: z.boolean().optional() }),
  /** The whole trust state the agent is to hold afterwards (declarative: what is not listed is dropped). */
  'agent.trust': z.strictObject({
    allowList: z.array(z.enum(ACTIONS).refine((a) => a !== 'agent.trust', 'agent.trust is always allowed')).max(ACTIONS.length),
    approvers: z
      .record(principalSchema, z.strictObject({ kid: z.string().regex(/^[0-9a-f]{16}$/), publicKey: z.string().min(40).max(200) }))
      .refine((r) => Object.keys(r).length >= 2 && Object.keys(r).length <= 32, 'two to 32 pinned approvers'),
    serviceKeys: z
      .array(z.strictObject({ kid: z.string().regex(/^[0-9a-f]{16}$/), publicKey: z.string().min(40).max(200) }))
      .min(1)
      .max(4),
  }),
} satisfies Record<Action, z.ZodType>;

export type ParamsOf<A extends Action> = z.infer<(typeof PARAM_SCHEMAS)[A]>;

export const approvalSchema = z.strictObject({
  approverId: principalSchema,
  role: z.enum(['security-officer', 'compliance-officer']),
  approvedAt: instantSchema,
  kid: z.string().regex(/^[0-9a-f]{16}$/),
  sig: z.string().length(88),
});
export type Approval = z.infer<typeof approvalSchema>;

export const commandSchema = z.strictObject({
  v: z.literal(1),
  commandId: uuidSchema,
  agentId: idSchema,
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  issuedAt: instantSchema,
  notBefore: instantSchema,
  expiresAt: instantSchema,
  action: z.enum(ACTIONS),
  /** Checked against the action's own strict schema in a second step. */
  params: z.record(z.string(), z.unknown()),
  requestedBy: principalSchema,
  approvals: z.array(approvalSchema).max(5),
  ledgerPosition: z.string().regex(/^\d{1,20}$/),
});
export type AgentCommand = Omit<z.infer<typeof commandSchema>, 'params'> & { params: Record<string, unknown> };

export const RESULT_STATUSES = ['succeeded', 'failed', 'refused'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

export interface CommandResult {
  v: 1;
  /** Null when the agent refused something it could not authenticate. */
  commandId: string | null;
  /** SHA-256 (hex) of the command payload bytes as received. */
  commandDigest: string | null;
  agentId: string;
  seq: number | null;
  status: ResultStatus;
  /** Machine code for failed/refused results (e.g. 'bad-signature', 'stale-seq'). */
  reason: string | null;
  startedAt: string;
  finishedAt: string;
  evidence: Record<string, unknown>;
  /** Set when this command's seq skipped numbers: commands withheld or lost in transit. */
  gap: { from: number; to: number } | null;
  /** Where the job came from, for refusals of unauthenticated input (transport id, not trusted). */
  jobId: string | null;
}

export const resultSchema = z.strictObject({
  v: z.literal(1),
  commandId: uuidSchema.nullable(),
  commandDigest: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  agentId: idSchema,
  seq: z.number().int().min(1).nullable(),
  status: z.enum(RESULT_STATUSES),
  reason: z.string().max(100).nullable(),
  startedAt: instantSchema,
  finishedAt: instantSchema,
  evidence: z.record(z.string(), z.unknown()),
  gap: z.strictObject({ from: z.number().int(), to: z.number().int() }).nullable(),
  jobId: z.string().max(200).nullable(),
});

export const heartbeatSchema = z.strictObject({
  v: z.literal(1),
  agentId: idSchema,
  at: instantSchema,
  lastSeq: z.number().int().min(0),
  agentVersion: z.string().max(40),
  allowList: z.array(z.enum(ACTIONS)),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/**
 * One decision of the decrypt gate, reported to the ledger. `principal` is the local account the
 * kernel says asked (peer credentials of the gate's socket); never the file's path (a file name
 * may itself be PHI).
 */
export const gateDecisionSchema = z.strictObject({
  v: z.literal(1),
  agentId: idSchema,
  at: instantSchema,
  principal: z.string().min(1).max(64),
  uid: z.number().int().min(0),
  datasetId: idSchema.nullable(),
  decision: z.enum(['allowed', 'denied']),
  reason: z.string().max(100),
  grantId: z.string().max(100).nullable(),
});
export type GateDecision = z.infer<typeof gateDecisionSchema>;

/** What an officer signs to approve a destructive command. */
export function approvalStatement(
  cmd: Pick<AgentCommand, 'commandId' | 'agentId' | 'action' | 'params'>,
  a: Pick<Approval, 'approverId' | 'role' | 'approvedAt'>,
): Buffer {
  return canonicalBytes({
    commandId: cmd.commandId,
    agentId: cmd.agentId,
    action: cmd.action,
    paramsDigest: sha256Hex(canonicalBytes(cmd.params)),
    approverId: a.approverId,
    role: a.role,
    approvedAt: a.approvedAt,
  });
}

export function signApproval(
  cmd: Pick<AgentCommand, 'commandId' | 'agentId' | 'action' | 'params'>,
  approver: { approverId: string; role: Approval['role']; approvedAt: string; kid: string; privateKey: KeyObject },
): Approval {
  const a = { approverId: approver.approverId, role: approver.role, approvedAt: approver.approvedAt };
  const sig = ed25519Sign(approver.privateKey, signingInput('approval', approvalStatement(cmd, a)));
  return { ...a, kid: approver.kid, sig: sig.toString('base64') };
}

export function verifyApproval(
  cmd: Pick<AgentCommand, 'commandId' | 'agentId' | 'action' | 'params'>,
  a: Approval,
  key: KeyObject,
): boolean {
  return ed25519Verify(key, signingInput('approval', approvalStatement(cmd, a)), Buffer.from(a.sig, 'base64'));
}

export function firstIssue(err: z.ZodError): string {
  const i = err.issues[0];
  return i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid';
}
