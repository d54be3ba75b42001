// The two-person rule is shared vocabulary (src/shared/two-person-rule.ts); this path stays for existing imports inside auth.
export * from '../../shared/two-person-rule';
