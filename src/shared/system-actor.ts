/**
 * Who acts when no person does: processors, schedulers, sweeps and the first-start bootstrap.
 * Every such actor carries the one role SYSTEM_ROLE (never a person's role, so a rule that asks
 * for a security officer cannot be met by a sweep) and an id `system:<name>` naming the part
 * of the service that acted.
 */
export const SYSTEM_ROLE = 'system';

export interface SystemActor {
  readonly id: `system:${string}`;
  readonly role: typeof SYSTEM_ROLE;
}

const NAME_RE = /^[a-z][a-z0-9-]{0,62}$/;

/** The actor of one part of the service, e.g. systemActor('workflows') → { id: 'system:workflows', role: 'system' }. */
export function systemActor(name: string): SystemActor {
  if (!NAME_RE.test(name))
    throw new TypeError(`system actor name: expected lowercase letters, digits and "-" (got ${JSON.stringify(name)})`);
  return { id: `system:${name}`, role: SYSTEM_ROLE };
}

export function isSystemActor(actor: { id: string; role: string }): boolean {
  return actor.role === SYSTEM_ROLE;
}
