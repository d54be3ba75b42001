export const INTEGRITY = Symbol('IntegrityService');
