import type { EventProcessor } from '../../ledger/processors/event-processor';
import type { RecordedEvent } from '../../ledger/port';
import type { KeyLocker } from '../domain/key-locker';

/**
 * Destroyed versions leave the locker once the destruction is committed: KeyDestroyed (every
 * version, after the wait and a second officer) and KeyVersionsDestroyed (a trim). Overwriting
 * and deleting material is idempotent, so a redelivery is harmless.
 */
export function keyMaterialProcessor(locker: KeyLocker): EventProcessor {
  return {
    name: 'keys.destroy-material',
    handles: ['KeyDestroyed', 'KeyVersionsDestroyed'],
    async handle(event: RecordedEvent) {
      const d = event.data as { keyId: string; versions: number[] };
      await locker.destroy(d.keyId, d.versions);
    },
  };
}
