import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Clock } from '../platform/clock';
import { DataKeyShreddedError, type DataKeyStore } from './data-key-store';

/**
 * A PHI value as it is stored in events: AES-256-GCM ciphertext under the scope's data key.
 * The ledger hashes this object, so shredding the key leaves the chain verifiable.
 */
export interface SealedPhi {
  $phi: 1;
  scope: string;
  iv: string;
  ct: string;
  tag: string;
}

/** What a sealed field reads as after its scope was crypto-shredded. */
export interface ShreddedPhi {
  $shredded: true;
  scope: string;
}

export function isSealedPhi(v: unknown): v is SealedPhi {
  return typeof v === 'object' && v !== null && (v as { $phi?: unknown }).$phi === 1;
}

export function isShreddedPhi(v: unknown): v is ShreddedPhi {
  return typeof v === 'object' && v !== null && (v as { $shredded?: unknown }).$shredded === true;
}

/**
 * Free text written in clear before the ledger sealed it (issue 14, item 7): the ledger is
 * append-only and hashed, so those events keep their clear bytes. On read, each such value is
 * marked like a sealed one (`legacy`: the text's JSON in base64), so read models, responses and
 * letters treat it as sealed: opened for readers of PHI (and recorded as a read), "[unsealed legacy
 * text]" for the others, "[shredded free text]" once the scope was shredded. Crypto-shredding
 * cannot reach the clear bytes in the ledger itself (src/phi/README.md).
 */
export interface LegacyText {
  $phi: 1;
  scope: string;
  legacy: string;
}

/** What a person without the right to read free text sees in place of legacy clear text. */
export const LEGACY_TEXT = '[unsealed legacy text]';

export function isLegacyText(v: unknown): v is LegacyText {
  return isSealedPhi(v) && typeof (v as { legacy?: unknown }).legacy === 'string';
}

export function legacyText(scope: string, value: unknown): LegacyText {
  return { $phi: 1, scope, legacy: Buffer.from(JSON.stringify(value), 'utf8').toString('base64') };
}

/** Scopes name what a key protects, e.g. `incident:<uuid>`. Never PHI. */
export function assertScope(scope: string): void {
  if (!/^[a-z-]+:[A-Za-z0-9._-]+$/.test(scope)) throw new Error('invalid PHI scope name');
}

export class PhiVault {
  constructor(
    private readonly keys: DataKeyStore,
    private readonly clock: Clock,
  ) {}

  async seal(scope: string, value: unknown): Promise<SealedPhi> {
    assertScope(scope);
    const key = await this.keys.keyFor(scope, this.clock.now().toISOString());
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`phi:${scope}`));
    const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return { $phi: 1, scope, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  }

  /** The value, or a ShreddedPhi marker when the scope's key is gone. */
  async open<T = unknown>(sealed: SealedPhi | LegacyText): Promise<T | ShreddedPhi> {
    if (isLegacyText(sealed)) {
      if (await this.keys.isShredded(sealed.scope)) return { $shredded: true, scope: sealed.scope };
      return JSON.parse(Buffer.from(sealed.legacy, 'base64').toString('utf8')) as T;
    }
    let key: Buffer;
    try {
      key = await this.keys.existingKey(sealed.scope);
    } catch (e) {
      if (e instanceof DataKeyShreddedError) return { $shredded: true, scope: sealed.scope };
      throw e;
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(`phi:${sealed.scope}`));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const pt = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]);
    return JSON.parse(pt.toString('utf8')) as T;
  }

  /** A deep copy of `data` with every sealed field opened (or marked shredded). */
  async reveal<T>(data: T): Promise<T> {
    if (isSealedPhi(data)) return (await this.open(data)) as T;
    if (Array.isArray(data)) return (await Promise.all(data.map((d) => this.reveal(d)))) as T;
    if (typeof data === 'object' && data !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(data)) out[k] = await this.reveal(v);
      return out as T;
    }
    return data;
  }

  async shred(scope: string): Promise<void> {
    assertScope(scope);
    await this.keys.shred(scope, this.clock.now().toISOString());
  }

  isShredded(scope: string): Promise<boolean> {
    return this.keys.isShredded(scope);
  }

  /** Raw data key for artifact encryption (same scope, same shredding). */
  dataKey(scope: string, create: boolean): Promise<Buffer> {
    assertScope(scope);
    return create ? this.keys.keyFor(scope, this.clock.now().toISOString()) : this.keys.existingKey(scope);
  }
}
