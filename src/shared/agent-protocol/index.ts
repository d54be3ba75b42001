/**
 * The agent command channel as both sides speak it: the service (src/agents) and the host
 * agent (src/host-agent). Pure: schemas, canonical bytes, signatures and the normative checks.
 * No Nest, no I/O; node:crypto only (Ed25519, X25519, HKDF, AES-GCM, SHA-256).
 */
export * from './crypto';
export * from './signed-message';
export * from './protocol';
export * from './queues';
export * from './agent-checks';
/** The byte encoding every signature of the channel covers (RFC 8785). */
export { canonicalBytes } from '../canonical-json';
