import { ValidationError } from '../platform/errors';
import type { StateOverlaySet } from './domain/triage/state-overlays';
import { evaluateTriageJson, renderTriageResult, type TriageOptions, type TriageResult } from './domain/triage/triage';
import { TriageInputError } from './domain/triage/triage-input';
import { loadStateOverlays } from './infrastructure/state-overlays.loader';

export const STATE_OVERLAYS = Symbol('StateOverlays');

/**
 * The one entry used by the CLI and the HTTP endpoint: raw JSON in, the contract's JSON out
 * (the same bytes on both), or a ValidationError naming the field (CLI exit 2, HTTP 400).
 */
export function evaluateTriageRequest(
  raw: unknown,
  overlays: StateOverlaySet = loadStateOverlays(),
  options: TriageOptions = {},
): { result: TriageResult; body: string } {
  try {
    const result = evaluateTriageJson(raw, overlays, options);
    return { result, body: renderTriageResult(result) };
  } catch (e) {
    if (e instanceof TriageInputError) throw new ValidationError(e.errors.map((x) => ({ field: x.field, reason: x.message })));
    throw e;
  }
}

/** `?explain=true|false` (HTTP): anything else is refused, naming the parameter. */
export function parseExplainFlag(value: string | undefined): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  throw ValidationError.field('explain', 'must be true or false');
}

/** Parses JSON text for the CLI; a syntax error names the input, never its content. */
export function parseTriageJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw ValidationError.field('(input)', 'is not valid JSON');
  }
}
