/**
 * Keys on the workflows engine: a pure translator from key events to the key-rotation
 * timeline — due at the end of each cryptoperiod, cancelled when the key leaves service.
 */
import type { TimelineIntent, TimelineTranslator } from '../workflows';

export const KEY_TIMELINE_EVENTS = [
  'KeyActivated',
  'KeyVersionAdded',
  'KeyDeactivated',
  'KeyRevoked',
  'KeyCompromised',
  'KeyDestroyed',
] as const;

type Ev = { type: string; data: Record<string, unknown> };

export function keyTimelines(version: (workflow: string) => number): TimelineTranslator {
  return (raw) => {
    const e = raw as unknown as Ev;
    const subject = { kind: 'key', id: String(e.data.keyId) };
    switch (e.type) {
      case 'KeyActivated':
      case 'KeyVersionAdded':
        if (typeof e.data.rotateBy !== 'string') return [];
        // A rotation moves the due date to the end of the new version's cryptoperiod.
        return [
          {
            kind: 'schedule',
            workflow: 'key-rotation',
            workflowVersion: version('key-rotation'),
            subject,
            dueOn: e.data.rotateBy,
            assignees: { custodian: (e.data.custodians as string[]) ?? [] },
          } as TimelineIntent,
        ];
      case 'KeyDeactivated':
      case 'KeyRevoked':
      case 'KeyCompromised':
      case 'KeyDestroyed':
        return [
          {
            kind: 'cancel',
            workflow: 'key-rotation',
            subject,
            reason: `key ${e.type.replace('Key', '').toLowerCase()}: no further rotation of this key`,
          },
        ];
      default:
        return [];
    }
  };
}
