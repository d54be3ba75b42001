/** The Ed25519 key the service signs agent commands with (src/agents/infra/service-signing-key.ts). */
export const SERVICE_SIGNING_KEY = Symbol('ServiceSigningKey');
