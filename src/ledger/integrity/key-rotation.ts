/**
 * Verification across log key rotations (`ledger rotate-key`): the transitions kept beside the
 * key form a chain from the first key to the current one.
 */
import { parseCheckpoint } from './checkpoint';
import { KEY_TRANSITION_EXTENSION, type KeyTransition } from './ledger-signer';
import { Ed25519NoteKey, verifyNoteSignatures } from './note';
import type { StoredCheckpoint } from './sqlite-integrity-store';
import type { VerifyFailure } from './verify';

/**
 * The key history must be a chain: each transition is signed by its old and its new key, the
 * first starts from the first key, sizes never decrease; and no checkpoint above a transition is
 * signed only by a key that transition retired.
 */
export function checkTransitions(transitions: KeyTransition[], checkpoints: StoredCheckpoint[], origin: string): VerifyFailure | null {
  const fail = (reason: string, position?: number): VerifyFailure => ({ ok: false, kind: 'checkpoint-signature', reason, position });
  let prevSize = 0;
  for (let i = 0; i < transitions.length; i++) {
    const t = transitions[i];
    if (i > 0 && transitions[i - 1].to !== t.from)
      return fail(`key transition ${i + 1} does not start from the key the previous one introduced`);
    try {
      const from = Ed25519NoteKey.fromVerifierKey(t.from);
      const to = Ed25519NoteKey.fromVerifierKey(t.to);
      const v = verifyNoteSignatures(t.note, [from, to]);
      if (!v.verified.some((s) => s.keyId === from.keyId.toString('hex')) || !v.verified.some((s) => s.keyId === to.keyId.toString('hex')))
        return fail(`key transition at size ${t.size} is not signed by both the old and the new key`, t.size);
      const c = parseCheckpoint(v.text);
      if (c.origin !== origin || c.size !== t.size || !(c.extensions ?? []).includes(`${KEY_TRANSITION_EXTENSION} ${t.to}`))
        return fail(`key transition at size ${t.size} does not announce its new key`, t.size);
    } catch (e) {
      return fail(`key transition at size ${t.size}: ${(e as Error).message}`, t.size);
    }
    if (t.size < prevSize) return fail(`key transitions go backwards at size ${t.size}`, t.size);
    prevSize = t.size;
    const retired = Ed25519NoteKey.fromVerifierKey(t.from);
    const successors = transitions.slice(i).map((x) => Ed25519NoteKey.fromVerifierKey(x.to));
    for (const cp of checkpoints) {
      if (cp.size <= t.size) continue;
      let signers: string[] = [];
      try {
        signers = verifyNoteSignatures(cp.note, [retired, ...successors]).verified.map((s) => s.keyId);
      } catch {
        continue; // a bad signature is reported by the main scan
      }
      if (signers.length > 0 && signers.every((k) => k === retired.keyId.toString('hex')))
        return fail(`checkpoint at size ${cp.size} is signed by a key retired at size ${t.size}`, cp.size);
    }
  }
  return null;
}
