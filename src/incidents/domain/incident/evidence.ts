/**
 * The evidence contract: what can close each kind of obligation. An obligation is completed with
 * a `proof` the notices context builds from its own ledger (the finished batch, the HHS portal
 * submission, the live posting) and the incident decider checks here, purely, that the proof is
 * the one this obligation names: right incident, right kind, right state, finished, covering
 * everyone owed. A written description alone closes only the obligations no notice of ours
 * produces (telephone notice, consumer reporting agencies, credit monitoring offers).
 *
 * Proofs are PHI-free: ids, kinds, USPS codes, counts, dates and the portal's confirmation number.
 */

/** Notice batch kinds as the notices context names them (`state-regulator` batches carry `jurisdiction` and `regulator`). */
export type EvidenceNoticeKind = 'individual' | 'media' | 'substitute-posting' | 'hhs-report' | 'covered-entity' | 'state-regulator';

/** A notice batch of the notices context, as evidence. */
export interface NoticeBatchProof {
  kind: 'notice-batch';
  batchId: string;
  incidentId: string;
  noticeKind: EvidenceNoticeKind;
  /** USPS code: the state a media or regulator notice is for. */
  jurisdiction?: string;
  /**
   * Which regulator a `state-regulator` notice was addressed to: the overlay duty (`<rule id>.<notice id>`,
   * e.g. `ny-gbl-899-aa.ag-dos-police`), or, from older batches, the overlay's `to`. Required for such a batch.
   */
  regulator?: string;
  /** Batch status: only `completed` closes an obligation. */
  status: string;
  /** Digest of the affected-individuals list the batch was drafted from (individual batches). */
  recipientsDigest?: string;
  recipients?: number;
  delivered?: number;
  failed?: number;
  /** Documents issued (media, regulator, HHS, covered-entity batches). */
  documents?: number;
}

/**
 * The HHS breach portal submission, recorded on the `hhs-report` batch as the notices event
 * `HhsReportSubmitted { batchId, incidentId, confirmationNumber, submittedOn, submittedBy, at }`.
 */
export interface HhsSubmissionProof {
  kind: 'hhs-report-submitted';
  batchId: string;
  incidentId: string;
  confirmationNumber: string;
  /** YYYY-MM-DD, the portal's date. */
  submittedOn: string;
  submittedBy: string;
}

/** The substitute-notice web posting (`SubstituteNoticePosted` / `SubstituteNoticeTakenDown`). */
export interface SubstitutePostingProof {
  kind: 'substitute-posting';
  postingId: string;
  batchId: string;
  incidentId: string;
  /** ISO instants. */
  postedAt: string;
  takeDownAt: string;
  status: 'posted' | 'taken-down';
  takenDownAt?: string;
  takenDownReason?: 'expired' | 'withdrawn';
}

/**
 * A breach exercise's own record that a step was done (its notices are rendered to synthetic
 * people and never sent, so no batch of the notices context can exist). Built only by the
 * exercises domain for the exercise's incident; no route of a real incident accepts a proof.
 */
export interface ExerciseAttestationProof {
  kind: 'exercise-attestation';
  exerciseId: string;
  incidentId: string;
}

export type ObligationProof = NoticeBatchProof | HhsSubmissionProof | SubstitutePostingProof | ExerciseAttestationProof;

/** What the incident knows of its affected list, for the "covering everyone owed" rule. */
export interface AffectedListFacts {
  digest: string;
  listVersion: number;
  /** Rows still rejected after normalization and not excluded with a reason. */
  unresolvedOpen: number;
}

export interface EvidenceObligation {
  obligationId: string;
  kind: string;
  jurisdiction?: string;
  regulator?: string;
  /** The overlay duty of a state obligation (`<rule id>.<notice id>`). */
  duty?: string;
  form?: string;
}

const POSTING_DAYS = 90;
const DAY_MS = 86_400_000;

/** Obligation kinds that a description alone may close: no notice of ours produces their evidence. */
export const ATTESTABLE_KINDS: ReadonlySet<string> = new Set([
  'telephone-notice',
  'state-consumer-reporting-notice',
  'state-credit-monitoring-offer',
]);

/** What closes an obligation of this kind, in words (for 422 messages and the API description). */
export function evidenceNeeded(o: EvidenceObligation): string {
  switch (o.kind) {
    case 'individual-notice':
    case 'state-individual-notice':
      return 'a completed individual notice batch of this incident drafted from its current affected list';
    case 'media-notice':
      return `the completed media notice batch for ${o.jurisdiction}`;
    case 'hhs-notice':
      return 'the HHS report submitted, with the portal confirmation number';
    case 'substitute-notice':
      return 'the substitute-notice posting live for its 90 days, or a completed media notice batch (the media alternative)';
    case 'state-regulator-notice':
      return `the completed state-regulator notice batch for ${o.jurisdiction}${o.regulator ? ` (${o.regulator}${o.duty ? `, ${o.duty}` : ''})` : ''}`;
    case 'covered-entity-notice':
      return 'a completed covered-entity notice batch of this incident';
    default:
      return 'a description of what was done';
  }
}

function describe(p: ObligationProof | undefined): string {
  if (!p) return 'a description only';
  switch (p.kind) {
    case 'notice-batch':
      return `${p.status} ${p.noticeKind} batch ${p.batchId}${p.jurisdiction ? ` for ${p.jurisdiction}` : ''}${p.regulator ? ` (${p.regulator})` : ''}`;
    case 'hhs-report-submitted':
      return `HHS submission on batch ${p.batchId}`;
    case 'substitute-posting':
      return `posting ${p.postingId} (${p.status})`;
    case 'exercise-attestation':
      return `exercise ${p.exerciseId} attestation`;
  }
}

function batchMismatch(
  p: NoticeBatchProof,
  want: EvidenceNoticeKind,
  o: EvidenceObligation,
  opts: { state?: boolean; regulator?: boolean } = {},
): string | null {
  if (p.noticeKind !== want) return `is a ${p.noticeKind} batch`;
  if (opts.state && p.jurisdiction !== o.jurisdiction) return `is for ${p.jurisdiction ?? 'no state'}, not ${o.jurisdiction}`;
  if (opts.regulator) {
    if (!p.regulator) return 'names no regulator (a state-regulator batch must name the regulator it is addressed to)';
    // The duty as recorded, or as the state obligation's id spells it (`state.XX.<duty>`), or the addressee.
    const fromId = o.jurisdiction && o.obligationId.startsWith(`state.${o.jurisdiction}.`) ? o.obligationId.slice(9) : undefined;
    const owed = [o.duty, fromId, o.regulator].filter((x): x is string => !!x);
    if (owed.length > 0 && !owed.includes(p.regulator)) return `is addressed to ${p.regulator}, not ${o.duty ?? fromId ?? o.regulator}`;
  }
  if (p.status !== 'completed') return `is ${p.status}, not completed`;
  return null;
}

/**
 * Null when `proof` may close `o`; otherwise why not (a sentence naming the mismatch).
 * `today` is the organization's calendar date (YYYY-MM-DD).
 */
export function evidenceMismatch(
  o: EvidenceObligation,
  proof: ObligationProof | undefined,
  ctx: { incidentId: string; affected: AffectedListFacts | null; today: string },
): string | null {
  const need = evidenceNeeded(o);
  const reject = (why: string) => `${o.obligationId} (${o.kind}) is closed by ${need}: ${describe(proof)} ${why}`;
  if (proof && proof.incidentId !== ctx.incidentId) return reject('belongs to another incident');
  if (!proof) return ATTESTABLE_KINDS.has(o.kind) ? null : reject('was given');
  // An exercise's incident is the exercise itself: its attestation closes its own obligations only.
  if (proof.kind === 'exercise-attestation') return proof.exerciseId === ctx.incidentId ? null : reject('belongs to another exercise');

  switch (o.kind) {
    case 'individual-notice':
    case 'state-individual-notice': {
      if (proof.kind !== 'notice-batch') return reject('is not a notice batch');
      const m = batchMismatch(proof, 'individual', o);
      if (m) return reject(m);
      if (!ctx.affected) return reject('cannot cover anyone: no affected list was imported');
      if (proof.recipientsDigest !== ctx.affected.digest)
        return reject(`was drafted from another affected list than the current one (version ${ctx.affected.listVersion})`);
      if (ctx.affected.unresolvedOpen > 0)
        return reject(
          `does not cover ${ctx.affected.unresolvedOpen} unresolved row(s): fix them by re-import or exclude them with a reason`,
        );
      return null;
    }
    case 'media-notice': {
      if (proof.kind !== 'notice-batch') return reject('is not a notice batch');
      const m = batchMismatch(proof, 'media', o, { state: true });
      return m ? reject(m) : null;
    }
    case 'hhs-notice': {
      if (proof.kind !== 'hhs-report-submitted') return reject('is not an HHS portal submission');
      if (!proof.confirmationNumber?.trim()) return reject('has no confirmation number');
      if (proof.submittedOn > ctx.today) return reject('is dated in the future');
      return null;
    }
    case 'substitute-notice': {
      if (proof.kind === 'notice-batch') {
        const m = batchMismatch(proof, 'media', o);
        return m ? reject(m) : null;
      }
      if (proof.kind !== 'substitute-posting') return reject('is neither a posting nor a media notice');
      const ninety = new Date(new Date(proof.postedAt).getTime() + POSTING_DAYS * DAY_MS).toISOString();
      if (proof.takeDownAt < ninety) return reject('is scheduled for fewer than 90 days');
      if (proof.status === 'taken-down' && proof.takenDownReason === 'withdrawn' && (proof.takenDownAt ?? '') < ninety)
        return reject('was withdrawn before its 90 days');
      if (ctx.today < ninety.slice(0, 10)) return reject(`has not yet been live for 90 days (until ${ninety.slice(0, 10)})`);
      return null;
    }
    case 'state-regulator-notice': {
      if (proof.kind !== 'notice-batch') return reject('is not a notice batch');
      const m = batchMismatch(proof, 'state-regulator', o, { state: true, regulator: true });
      return m ? reject(m) : null;
    }
    case 'covered-entity-notice': {
      if (proof.kind !== 'notice-batch') return reject('is not a notice batch');
      const m = batchMismatch(proof, 'covered-entity', o);
      return m ? reject(m) : null;
    }
    default:
      // Attestable kinds: a notice batch may be attached, but it has to be finished.
      if (proof.kind === 'notice-batch' && proof.status !== 'completed') return reject(`is ${proof.status}, not completed`);
      return null;
  }
}
