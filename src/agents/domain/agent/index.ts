/**
 * The agent aggregate (service side): enrollment with a single-use, short-lived token issued
 * by one security officer and approved by a second; the commands issued to it (seq assigned
 * here, strictly increasing); the signed results it returned; revocation.
 */
export * from './events';
export * from './state';
export * from './decide';
