/**
 * The key aggregate: a key-encryption key's lifecycle as NIST SP 800-57 §7 names it, its
 * versions, custodians, and the two-person rules. Pure: decide(command, state) → events,
 * evolve(state, event) → state. Times come in on the command (`at`), from the injected clock.
 *
 *   generated → pre-activation --activate--> active
 *   active ⇄ suspended                       (suspend / reactivate)
 *   active | suspended → deactivated         (may decrypt and re-wrap, never encrypt)
 *   any but destroyed → compromised          (no encrypt; decrypt only to re-wrap under an incident)
 *   pre-activation | suspended | deactivated | compromised → destruction-scheduled (7–30 days, cancellable)
 *   destruction-scheduled --second approver, after the wait--> destroyed
 */
export * from './events';
export * from './state';
export * from './decide';
