export const INTEGRITY = Symbol('IntegrityService');
/** KurrentIntegrity on a KurrentDB ledger (event tags checked by the mirror), else null. */
export const KURRENT_INTEGRITY = Symbol('KurrentIntegrity');
