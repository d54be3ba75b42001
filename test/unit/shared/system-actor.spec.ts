import { isSystemActor, SYSTEM_ROLE, systemActor } from '../../../src/shared/system-actor';

describe('system actors', () => {
  it('carry the one system role and an id naming the part of the service', () => {
    expect(systemActor('workflows')).toEqual({ id: 'system:workflows', role: 'system' });
    expect(systemActor('ledger-integrity').role).toBe(SYSTEM_ROLE);
    expect(isSystemActor(systemActor('risk'))).toBe(true);
    expect(isSystemActor({ id: 'system:x', role: 'security-officer' })).toBe(false);
  });

  it('refuses names that are not a plain lowercase slug', () => {
    for (const bad of ['', 'Workflows', 'a b', 'system:x', '-x', 'x'.repeat(64)])
      expect(() => systemActor(bad)).toThrow(/system actor name/);
  });
});
