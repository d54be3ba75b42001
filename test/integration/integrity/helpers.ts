import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RecordedEvent } from '../../../src/ledger/port';

export function tempDir(prefix = 'sh-integrity-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Synthetic events (no PHI: a ciphertext-shaped object stands where PHI would be). */
export function syntheticEvents(n: number, stream = 'incident-0192f0c4-0000-7000-8000-000000000001', startPosition = 1): RecordedEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `0192f0c4-${String(i).padStart(4, '0')}-7000-8000-${String(startPosition + i).padStart(12, '0')}`,
    stream,
    version: BigInt(i + 1),
    position: BigInt(startPosition + i),
    type: i === 0 ? 'IncidentReported' : 'IncidentNoteAdded',
    schemaVersion: 1,
    data: { seq: i, summary: { alg: 'A256GCM', kid: 'k1', iv: `iv${i}`, ct: Buffer.from(`cipher-${i}`).toString('base64'), tag: 't' } },
    metadata: {
      actor: { id: 'user-1', role: 'incident-responder' },
      correlationId: `corr-${i}`,
      occurredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
      recordedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i, 5)).toISOString(),
    },
  }));
}
