import { ValidationError } from '../platform/errors';
import type { StateOverlaySet } from './domain/triage/state-overlays';
import { evaluateTriageJson, renderTriageResult, type TriageResult } from './domain/triage/triage';
import { TriageInputError } from './domain/triage/triage-input';
import { loadStateOverlays } from './infrastructure/state-overlays.loader';

export const STATE_OVERLAYS = Symbol('StateOverlays');

/**
 * The one entry used by the CLI and the HTTP endpoint: raw JSON in, the contract's JSON out
 * (the same bytes on both), or a ValidationError naming the field (CLI exit 2, HTTP 400).
 */
export function evaluateTriageRequest(raw: unknown, overlays: StateOverlaySet = loadStateOverlays()): { result: TriageResult; body: string } {
  try {
    const result = evaluateTriageJson(raw, overlays);
    return { result, body: renderTriageResult(result) };
  } catch (e) {
    if (e instanceof TriageInputError) throw new ValidationError(e.errors.map((x) => ({ field: x.field, reason: x.message })));
    throw e;
  }
}

/** Parses JSON text for the CLI; a syntax error names the input, never its content. */
export function parseTriageJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw ValidationError.field('(input)', 'is not valid JSON');
  }
}
