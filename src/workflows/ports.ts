/**
 * Ports of the workflows engine. The engine reads and writes the ledger through the EventStore
 * port (src/ledger/port.ts) and talks to the outside through these.
 */
import type { WorkflowRole } from './domain/definition';

/** One reminder or escalation message. Carries no PHI: subject ids, dates and workflow text only. */
export interface Notification {
  /** The timer id: a notifier must deliver a given key at most once (retries reuse it). */
  idempotencyKey: string;
  /** Organization roles addressed (resolved to mailboxes by the role directory). */
  to: WorkflowRole[];
  /** Principal ids addressed through subject roles (owner, reviewer, custodian). */
  principals: string[];
  subject: string;
  body: string;
  /** For templates: what the message is about, as ids (never PHI). */
  context: {
    workflow: string;
    workflowVersion: number;
    subjectKind: string;
    subjectId: string;
    dueOn: string;
    step: string;
    kind: 'reminder' | 'escalation';
    daysLeft: number;
  };
}

export interface Notifier {
  send(n: Notification): Promise<{ messageId: string }>;
}

/** Maps roles and principal ids to mailboxes (asked at each send: a profile change applies at once). */
export interface RoleDirectory {
  addressesForRole(role: WorkflowRole): Promise<string[]> | string[];
  addressesForPrincipal(principalId: string): Promise<string[]> | string[];
}

/** A fixed directory (tests, tools): role → addresses; unknown roles go to `<role>@<domain>`. */
export class StaticRoleDirectory implements RoleDirectory {
  constructor(
    private readonly roles: Partial<Record<string, string[]>> = {},
    private readonly principals: Partial<Record<string, string[]>> = {},
    private readonly domain = 'safeharbor.invalid',
  ) {}
  addressesForRole(role: WorkflowRole): string[] {
    return this.roles[role] ?? [`${role}@${this.domain}`];
  }
  addressesForPrincipal(id: string): string[] {
    return this.principals[id] ?? [`${id}@${this.domain}`];
  }
}

/** The addresses a notification goes to: its roles' and its principals', each once. */
export async function recipientsOf(directory: RoleDirectory, n: Pick<Notification, 'to' | 'principals'>): Promise<string[]> {
  const lists = await Promise.all([
    ...n.to.map((r) => directory.addressesForRole(r)),
    ...n.principals.map((p) => directory.addressesForPrincipal(p)),
  ]);
  return [...new Set(lists.flat())];
}

/** Called when a definition's calendar schedule ticks (e.g. open the quarter's recertification). */
export type ScheduleHandler = (tick: {
  workflow: string;
  /** The local date of the tick in the organization's time zone: use it to make the work idempotent. */
  occurrenceOn: string;
}) => Promise<void>;

/**
 * Runs a step's `action` (e.g. `expire-access-grant`) when its timer fires, before the engine
 * records it. Must be idempotent on `timerId` (at-least-once). Throwing retries the job.
 */
export type ActionHandler = (ctx: {
  action: string;
  timerId: string;
  workflow: string;
  workflowVersion: number;
  subject: { kind: string; id: string };
  dueOn: string;
  step: string;
  sourceStream: string;
}) => Promise<void>;
