/**
 * The host agent's own clock: it runs on a PHI server apart from the service and shares none
 * of the service's platform code. Injected so tests move time by hand.
 */
export interface Clock {
  now(): Date;
}

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}
