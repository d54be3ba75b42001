import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { generateSigningKeyPair, keyIdOf, privateKeyFromPem } from '../../shared/agent-protocol';
import { createPublicKey } from 'node:crypto';

/**
 * The Ed25519 key the service signs agent commands with. Kept beside the master key (outside
 * the data dir), 0600; agents pin its public key at enrollment.
 */
export class ServiceSigningKey {
  private constructor(
    readonly key: KeyObject,
    readonly publicKey: string,
    readonly kid: string,
  ) {}

  static loadOrCreate(path: string): ServiceSigningKey {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, generateSigningKeyPair().privateKeyPem, { mode: 0o600, flag: 'wx' });
    }
    chmodSync(path, 0o600);
    const key = privateKeyFromPem(readFileSync(path, 'utf8'), 'ed25519');
    const publicKey = createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
    return new ServiceSigningKey(key, publicKey, keyIdOf(publicKey));
  }
}
