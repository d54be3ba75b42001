import pino, { type Logger } from 'pino';
import { inspect } from 'node:util';

/**
 * A value that is PHI. It can be carried through code, but it never prints: logs, error
 * bodies and JSON see `[PHI]`. Use `.reveal()` only where the value is needed (rendering a
 * letter, sealing it into the vault).
 */
export class Phi<T = unknown> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  reveal(): T {
    return this.#value;
  }
  toJSON(): string {
    return '[PHI]';
  }
  toString(): string {
    return '[PHI]';
  }
  [inspect.custom](): string {
    return '[PHI]';
  }
}

export const phi = <T>(value: T): Phi<T> => new Phi(value);

/** Field names that hold PHI wherever they appear in a logged object. */
export const PHI_FIELD_NAMES = [
  'name',
  'firstName',
  'lastName',
  'fullName',
  'address',
  'line1',
  'line2',
  'street',
  'city',
  'zip',
  'postalCode',
  'email',
  'phone',
  'ssn',
  'dob',
  'dateOfBirth',
  'mrn',
  'diagnosis',
  'nextOfKin',
  'individual',
  'individuals',
  'recipient',
];

export const LOGGER = Symbol('Logger');

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const paths = [
    'req.headers.authorization',
    'req.headers["x-api-key"]',
    'req.body',
    'body',
    ...PHI_FIELD_NAMES.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  ];
  return pino(
    {
      level,
      base: { service: 'safeharbor' },
      redact: { paths, censor: '[REDACTED]' },
      serializers: {
        err: (err: Error) => ({ type: err.name, message: scrubMessage(err), code: (err as { code?: string }).code }),
      },
    },
    destination,
  );
}

/** Error messages built by our code never hold PHI; third-party messages might, so keep only ours. */
function scrubMessage(err: Error): string {
  const ours = (err as { status?: number }).status !== undefined || (err as { code?: string }).code !== undefined;
  return ours ? err.message : `${err.name} (message withheld)`;
}
