/**
 * Access grants: request (principal, dataset, permission, purpose, duration) → approval by a
 * different officer → active → expired (timer) or revoked. Least privilege by construction:
 * one named principal, one dataset, no wildcards; admin and root principals never get
 * cleartext PHI access; a custodian of the dataset's key never gets a grant to it.
 */
import type { Actor } from '../../ledger/port';

export type Permission = 'read' | 'write';
export type GrantStatus = 'requested' | 'active' | 'rejected' | 'expired' | 'revoked';
export type PrincipalKind = 'user' | 'service' | 'admin' | 'root';

export interface GrantState {
  exists: boolean;
  grantId: string | null;
  principal: string | null;
  principalKind: PrincipalKind | null;
  datasetId: string | null;
  permission: Permission | null;
  purpose: string | null;
  durationDays: number;
  status: GrantStatus | null;
  requestedBy: string | null;
  approvedBy: string | null;
  activeFrom: string | null;
  expiresAt: string | null;
  endedAt: string | null;
}

type E<T extends string, D> = { type: T; data: D };
export type GrantEvent =
  | E<
      'AccessGrantRequested',
      {
        grantId: string;
        principal: string;
        principalKind: PrincipalKind;
        datasetId: string;
        permission: Permission;
        purpose: string;
        durationDays: number;
        by: string;
        at: string;
      }
    >
  | E<'AccessGrantApproved', { grantId: string; by: string; activeFrom: string; expiresAt: string; at: string }>
  | E<'AccessGrantRejected', { grantId: string; by: string; reason: string; at: string }>
  | E<'AccessGrantExpired', { grantId: string; at: string }>
  | E<'AccessGrantRevoked', { grantId: string; by: string; reason: string; campaignId: string | null; at: string }>;

export const GRANT_EVENT_TYPES = [
  'AccessGrantRequested',
  'AccessGrantApproved',
  'AccessGrantRejected',
  'AccessGrantExpired',
  'AccessGrantRevoked',
] as const satisfies readonly GrantEvent['type'][];

/** Every command: who acts (id and role) and when. */
interface Base {
  actor: Actor;
  at: string;
}
export type GrantCommand =
  | (Base & {
      kind: 'request';
      grantId: string;
      principal: string;
      principalKind: PrincipalKind;
      datasetId: string;
      permission: Permission;
      purpose: string;
      durationDays: number;
      custodiansOfDatasetKey: readonly string[];
    })
  | (Base & { kind: 'approve'; custodiansOfDatasetKey: readonly string[] })
  | (Base & { kind: 'reject'; reason: string })
  /** The expiry timer (a system actor). */
  | (Base & { kind: 'expire' })
  | (Base & { kind: 'revoke'; reason: string; campaignId?: string | null });

export class GrantRuleError extends Error {
  readonly code = 'GRANT_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'GrantRuleError';
  }
}

export const GRANT_POLICY = {
  maxDurationDays: 365,
  approverRoles: ['security-officer', 'compliance-officer'] as readonly string[],
  /** Principals that never receive cleartext PHI access, whatever they ask for. */
  privilegedNames: ['root', 'admin', 'administrator'] as readonly string[],
};

export const grantStream = (grantId: string) => `grant-${grantId}`;

export function initialGrantState(): GrantState {
  return {
    exists: false,
    grantId: null,
    principal: null,
    principalKind: null,
    datasetId: null,
    permission: null,
    purpose: null,
    durationDays: 0,
    status: null,
    requestedBy: null,
    approvedBy: null,
    activeFrom: null,
    expiresAt: null,
    endedAt: null,
  };
}

function need(cond: unknown, message: string): asserts cond {
  if (!cond) throw new GrantRuleError(message);
}

const ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const PRINCIPAL_RE = /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/;

/** The grant is in force at `at` (approved, not ended, not past expiry). */
export function isActiveAt(s: GrantState, at: string): boolean {
  return s.status === 'active' && !!s.expiresAt && Date.parse(at) < Date.parse(s.expiresAt);
}

export function decideGrant(c: GrantCommand, s: GrantState): GrantEvent[] {
  if (c.kind === 'request') {
    need(!s.exists, 'grant already exists');
    need(ID_RE.test(c.grantId), 'grantId: must be a lower-case id');
    need(PRINCIPAL_RE.test(c.principal), 'principal: must be one named principal (no wildcards or patterns)');
    need(ID_RE.test(c.datasetId), 'datasetId: must be one dataset id (no wildcards)');
    need(c.permission === 'read' || c.permission === 'write', 'permission: must be read or write');
    need(
      c.principalKind !== 'admin' && c.principalKind !== 'root' && !GRANT_POLICY.privilegedNames.includes(c.principal.toLowerCase()),
      'principal: admin and root principals cannot be granted cleartext PHI access',
    );
    need(c.purpose.trim().length >= 3 && c.purpose.length <= 500, 'purpose: must be 3–500 characters');
    need(
      Number.isInteger(c.durationDays) && c.durationDays >= 1 && c.durationDays <= GRANT_POLICY.maxDurationDays,
      `durationDays: must be 1–${GRANT_POLICY.maxDurationDays}`,
    );
    need(
      !c.custodiansOfDatasetKey.includes(c.principal),
      'principal: is a custodian of the key protecting this dataset (separation of duties)',
    );
    return [
      {
        type: 'AccessGrantRequested',
        data: {
          grantId: c.grantId,
          principal: c.principal,
          principalKind: c.principalKind,
          datasetId: c.datasetId,
          permission: c.permission,
          purpose: c.purpose,
          durationDays: c.durationDays,
          by: c.actor.id,
          at: c.at,
        },
      },
    ];
  }
  need(s.exists && s.grantId, 'grant does not exist');
  const grantId = s.grantId;
  switch (c.kind) {
    case 'approve': {
      need(s.status === 'requested', `cannot approve a grant that is ${s.status}`);
      need(GRANT_POLICY.approverRoles.includes(c.actor.role), 'only a security or compliance officer may approve access');
      need(c.actor.id !== s.requestedBy, 'two-person rule: the approver must not be the requester');
      need(c.actor.id !== s.principal, 'a principal cannot approve their own access');
      need(
        !c.custodiansOfDatasetKey.includes(s.principal!),
        'principal: became a custodian of the key protecting this dataset (separation of duties)',
      );
      const expiresAt = new Date(Date.parse(c.at) + s.durationDays * 86_400_000).toISOString();
      return [{ type: 'AccessGrantApproved', data: { grantId, by: c.actor.id, activeFrom: c.at, expiresAt, at: c.at } }];
    }
    case 'reject':
      need(s.status === 'requested', `cannot reject a grant that is ${s.status}`);
      need(GRANT_POLICY.approverRoles.includes(c.actor.role), 'only a security or compliance officer may reject access');
      return [{ type: 'AccessGrantRejected', data: { grantId, by: c.actor.id, reason: c.reason, at: c.at } }];
    case 'expire':
      if (s.status !== 'active') return []; // the timer fired after a revocation: nothing to do
      need(Date.parse(c.at) >= Date.parse(s.expiresAt!), 'grant has not reached its expiry');
      return [{ type: 'AccessGrantExpired', data: { grantId, at: c.at } }];
    case 'revoke':
      need(s.status === 'active' || s.status === 'requested', `cannot revoke a grant that is ${s.status}`);
      need(c.reason.trim().length > 0, 'reason: required');
      return [
        { type: 'AccessGrantRevoked', data: { grantId, by: c.actor.id, reason: c.reason, campaignId: c.campaignId ?? null, at: c.at } },
      ];
    default:
      throw new GrantRuleError('unknown command');
  }
}

export function evolveGrant(s: GrantState, e: GrantEvent): GrantState {
  switch (e.type) {
    case 'AccessGrantRequested':
      return {
        ...initialGrantState(),
        exists: true,
        grantId: e.data.grantId,
        principal: e.data.principal,
        principalKind: e.data.principalKind,
        datasetId: e.data.datasetId,
        permission: e.data.permission,
        purpose: e.data.purpose,
        durationDays: e.data.durationDays,
        status: 'requested',
        requestedBy: e.data.by,
      };
    case 'AccessGrantApproved':
      return { ...s, status: 'active', approvedBy: e.data.by, activeFrom: e.data.activeFrom, expiresAt: e.data.expiresAt };
    case 'AccessGrantRejected':
      return { ...s, status: 'rejected', endedAt: e.data.at };
    case 'AccessGrantExpired':
      return { ...s, status: 'expired', endedAt: e.data.at };
    case 'AccessGrantRevoked':
      return { ...s, status: 'revoked', endedAt: e.data.at };
    default:
      return s;
  }
}

export const grantDecider = { initialState: initialGrantState, evolve: evolveGrant, decide: decideGrant };
