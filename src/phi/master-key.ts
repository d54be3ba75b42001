import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The master key wraps data keys (and key-encryption keys the keys context stores). It lives
 * apart from the data: a file outside the data folder by default; production keeps it in a KMS
 * behind this same interface.
 */
export interface KeyWrapper {
  wrap(plaintext: Buffer, context: string): Buffer;
  unwrap(wrapped: Buffer, context: string): Buffer;
}

const WRAP_VERSION = 1;

/** AES-256-GCM wrapping; `context` (e.g. the scope) is bound as associated data. */
export class MasterKey implements KeyWrapper {
  private constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('master key must be 32 bytes');
  }

  static fromBytes(key: Buffer): MasterKey {
    return new MasterKey(Buffer.from(key));
  }

  /**
   * Loads the key file, or creates it (0600) on first start. `onCreate` receives the path so
   * the caller can print the loud warning about moving it to a KMS.
   */
  static loadOrCreate(path: string, onCreate?: (path: string) => void): MasterKey {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8').trim();
      const key = Buffer.from(text, 'base64');
      if (key.length !== 32) throw new Error(`master key file ${path} does not hold a base64 32-byte key`);
      return new MasterKey(key);
    }
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    onCreate?.(path);
    return new MasterKey(key);
  }

  wrap(plaintext: Buffer, context: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`safeharbor-wrap:${context}`));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([WRAP_VERSION]), iv, cipher.getAuthTag(), ct]);
  }

  unwrap(wrapped: Buffer, context: string): Buffer {
    if (wrapped[0] !== WRAP_VERSION) throw new Error('unknown wrapped key format');
    const iv = wrapped.subarray(1, 13);
    const tag = wrapped.subarray(13, 29);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(`safeharbor-wrap:${context}`));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(wrapped.subarray(29)), decipher.final()]);
  }
}
