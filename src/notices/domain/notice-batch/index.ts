/**
 * A notice batch: one set of notices of one kind for one incident (the individual letters and
 * emails, a state's media notice, the substitute-notice posting, the HHS report, the
 * business-associate notice). Review and approval as a pure decider:
 *
 *   drafted → previewed → approved → released → completed
 *        ↖──── revised (any change; an approval is void) ───┘ (not after release)
 *
 * An approval binds the exact content the approver previewed (contentDigest): a compliance
 * officer other than the drafter and other than anyone who changed the content since.
 * Events carry digests and counts only, never PHI.
 */
export * from './events';
export * from './state';
export * from './decide';
