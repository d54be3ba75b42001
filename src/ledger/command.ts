import type { Actor } from './port';

/**
 * The one command shape every decider takes: what (`kind`), who (`actor`), and when — `at`, an
 * ISO instant from the injected clock, or `today`, the calendar date in the organization's time
 * zone for rules counted in days (HITECH deadlines, reviews). Handlers fill both from the
 * command context and the clock; deciders never read a clock.
 */
export interface CommandAt {
  actor: Actor;
  at: string;
}

export interface CommandOn {
  actor: Actor;
  today: string;
}
