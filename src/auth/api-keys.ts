import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `shk_<keyId>_<secret>`. Only SHA-256(secret) is stored (the secret has
 * 256 bits of entropy, so a fast hash is enough); the key is shown once, at creation.
 */
export interface IssuedKey {
  apiKey: string;
  keyId: string;
  keyHash: string;
}

export function issueApiKey(): IssuedKey {
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { apiKey: `shk_${keyId}_${secret}`, keyId, keyHash: hashSecret(secret) };
}

export function parseApiKey(apiKey: string): { keyId: string; secret: string } | null {
  const m = /^shk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(apiKey.trim());
  return m ? { keyId: m[1]!, secret: m[2]! } : null;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, keyHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(keyHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
