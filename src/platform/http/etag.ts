import { ValidationError } from '../errors';

/** ETags carry the stream version: `"7"`. */
export function etagOf(version: bigint | number): string {
  return `"${String(version)}"`;
}

/** The stream version from If-Match, or undefined when the header is absent. */
export function parseIfMatch(header: string | string[] | undefined): bigint | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(value ?? '');
  if (!m) throw ValidationError.field('header.If-Match', 'expected an ETag like "3" from a previous GET');
  return BigInt(m[1]!);
}
