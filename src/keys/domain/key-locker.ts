/**
 * Safe Harbor as key locker. Key-encryption keys are generated here (256 bits from the CSPRNG),
 * stored only wrapped by the master key, and leave only sealed to one enrolled agent's own
 * X25519 key. There is deliberately no method that returns a KEK in clear: not to an API,
 * not to the CLI, not to any role.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { kekSealContext, sealTo, type SealedBox } from '../../shared/agent-protocol';

/** The master-key wrapper the foundation provides (src/phi/master-key.ts has the same shape). */
export interface KeyWrapper {
  wrap(plaintext: Buffer, context: string): Buffer;
  unwrap(wrapped: Buffer, context: string): Buffer;
}

/** Where wrapped KEK versions live (outside the ledger, so destruction really removes them). */
export interface KeyMaterialStore {
  put(keyId: string, version: number, wrapped: Buffer): void | Promise<void>;
  get(keyId: string, version: number): Buffer | undefined | Promise<Buffer | undefined>;
  /** Overwrite and delete; idempotent. */
  destroy(keyId: string, version: number): void | Promise<void>;
}

export class KeyMaterialMissingError extends Error {
  readonly code = 'KEY_MATERIAL_MISSING';
  constructor(keyId: string, version: number) {
    super(`no material for key ${keyId} version ${version} (destroyed or never generated)`);
    this.name = 'KeyMaterialMissingError';
  }
}

const wrapContext = (keyId: string, version: number) => `kek:${keyId}:v${version}`;

/** Key check value: identifies a version without revealing anything usable about it. */
export function kekFingerprint(kek: Buffer, keyId: string, version: number): string {
  return createHmac('sha256', kek).update(`safeharbor/kcv/v1|${keyId}|${version}`).digest('hex').slice(0, 32);
}

export class KeyLocker {
  constructor(
    private readonly master: KeyWrapper,
    private readonly store: KeyMaterialStore,
  ) {}

  /** Generate a new version's material; returns its fingerprint (the only thing events carry). */
  async generate(keyId: string, version: number): Promise<{ fingerprint: string }> {
    const kek = randomBytes(32);
    try {
      await this.store.put(keyId, version, this.master.wrap(kek, wrapContext(keyId, version)));
      return { fingerprint: kekFingerprint(kek, keyId, version) };
    } finally {
      kek.fill(0);
    }
  }

  /** The KEK version sealed to one agent: opens only with that agent's X25519 private key. */
  async sealForAgent(keyId: string, version: number, agentId: string, agentSealPublicKey: string): Promise<SealedBox> {
    const wrapped = await this.store.get(keyId, version);
    if (!wrapped) throw new KeyMaterialMissingError(keyId, version);
    const kek = this.master.unwrap(wrapped, wrapContext(keyId, version));
    try {
      return sealTo(agentSealPublicKey, kek, kekSealContext(agentId, keyId, version));
    } finally {
      kek.fill(0);
    }
  }

  /** Check that stored material still matches the fingerprint recorded in the ledger. */
  async verify(keyId: string, version: number, fingerprint: string): Promise<boolean> {
    const wrapped = await this.store.get(keyId, version);
    if (!wrapped) return false;
    const kek = this.master.unwrap(wrapped, wrapContext(keyId, version));
    try {
      return kekFingerprint(kek, keyId, version) === fingerprint;
    } finally {
      kek.fill(0);
    }
  }

  async destroy(keyId: string, versions: number[]): Promise<void> {
    for (const v of versions) await this.store.destroy(keyId, v);
  }
}
