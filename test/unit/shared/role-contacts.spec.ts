import { join } from 'node:path';
import { Ledger } from '../../../src/ledger/ledger';
import { EventRegistry } from '../../../src/ledger/registry';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { RoleContacts } from '../../../src/platform/role-contacts';
import {
  CONTACT_ROLES,
  ORGANIZATION_PROFILE_STREAM,
  parseRoleEmails,
  resolveContact,
  roleContactsWarning,
  rolesWithoutContact,
} from '../../../src/shared/role-contacts';
import { makeTempDir } from '../../support/temp-dir';

describe('role contacts: profile → SAFEHARBOR_ROLE_EMAILS → placeholder', () => {
  const env = parseRoleEmails(JSON.stringify({ 'compliance-officer': ['co@env.test', 'deputy@env.test'], executive: 'ceo@env.test' }));

  it('the profile wins, then the environment, then a placeholder that is marked as such', () => {
    const profile = { 'compliance-officer': 'co@profile.test' };
    expect(resolveContact('compliance-officer', profile, env)).toEqual({ addresses: ['co@profile.test'], source: 'profile' });
    expect(resolveContact('executive', profile, env)).toEqual({ addresses: ['ceo@env.test'], source: 'environment' });
    expect(resolveContact('privacy-officer', profile, env)).toEqual({
      addresses: ['privacy-officer@safeharbor.invalid'],
      source: 'placeholder',
    });
  });

  it('an address at the placeholder domain counts as no contact', () => {
    expect(resolveContact('security-officer', { 'security-officer': 'security-officer@safeharbor.invalid' }, {}).source).toBe(
      'placeholder',
    );
    expect(resolveContact('security-officer', {}, { 'security-officer': ['x@SAFEHARBOR.invalid'] }).source).toBe('placeholder');
  });

  it('names only the required roles without a real contact, and the warning carries no address', () => {
    const missing = rolesWithoutContact(['compliance-officer', 'privacy-officer', 'security-officer', 'executive'], {}, env);
    expect(missing).toEqual(['privacy-officer', 'security-officer']);
    const w = roleContactsWarning(missing)!;
    expect(w).toMatchObject({ code: 'role-contacts-missing', roles: ['privacy-officer', 'security-officer'] });
    expect(w.reason).toMatch(/^No contact for privacy-officer, security-officer:/);
    expect(w.reason).not.toMatch(/@env\.test|@profile\.test/);
    expect(roleContactsWarning([])).toBeNull();
  });

  it('parses the environment strictly (bad JSON names the variable) and accepts a single string', () => {
    expect(() => parseRoleEmails('{nope')).toThrow(/SAFEHARBOR_ROLE_EMAILS/);
    expect(() => parseRoleEmails('["a@b.test"]')).toThrow(/SAFEHARBOR_ROLE_EMAILS/);
    expect(parseRoleEmails(undefined)).toEqual({});
    expect(parseRoleEmails('{"admin":" a@b.test "}')).toEqual({ admin: ['a@b.test'] });
  });

  it('the profile has a contact for the privacy officer and the executive', () => {
    expect(CONTACT_ROLES).toEqual(expect.arrayContaining(['privacy-officer', 'executive', 'compliance-officer', 'security-officer']));
  });
});

describe('RoleContacts reads the profile from the ledger at each call (no restart, any process)', () => {
  const ctx = { actor: { id: 'admin-1', role: 'admin' }, correlationId: 'c-1' };
  let dir: ReturnType<typeof makeTempDir>;
  const stores: SqliteEventStore[] = [];
  const open = () => {
    const clock = new FakeClock();
    const store = new SqliteEventStore({ path: join(dir.path, 'ledger.db'), clock });
    stores.push(store);
    return new Ledger(store, new EventRegistry().registerNames('OrganizationProfileUpdated'), clock);
  };
  beforeEach(() => (dir = makeTempDir()));
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    dir.cleanup();
  });

  const update = (ledger: Ledger, name: string, roleContacts: Record<string, string>) =>
    ledger.append(
      ORGANIZATION_PROFILE_STREAM,
      [{ type: 'OrganizationProfileUpdated', data: { profile: { name }, roleContacts, changed: [], by: 'admin-1', at: 'x' } }],
      'any',
      ctx,
    );

  it('sees a change written by another process, keeps the environment as fallback, and names the organization', async () => {
    const writer = open();
    const contacts = new RoleContacts(open(), {
      ORG_NAME: 'From Env Health',
      SAFEHARBOR_ROLE_EMAILS: JSON.stringify({ 'security-officer': ['so@env.test'] }),
    });
    contacts.require('compliance-officer', 'security-officer', 'executive');

    expect(await contacts.organizationName()).toBe('From Env Health');
    expect(await contacts.status()).toEqual({
      required: ['compliance-officer', 'security-officer', 'executive'],
      missing: ['compliance-officer', 'executive'],
      sources: { 'compliance-officer': 'placeholder', 'security-officer': 'environment', executive: 'placeholder' },
    });
    expect((await contacts.resolve('compliance-officer')).addresses).toEqual(['compliance-officer@safeharbor.invalid']);
    expect(await contacts.realAddresses('compliance-officer')).toEqual([]);

    await update(writer, 'Riverside Health', { 'compliance-officer': 'co@riverside.test', 'security-officer': 'so@riverside.test' });
    expect(await contacts.resolve('compliance-officer')).toEqual({ addresses: ['co@riverside.test'], source: 'profile' });
    expect(await contacts.organizationName()).toBe('Riverside Health');
    expect((await contacts.status()).missing).toEqual(['executive']);
    // Tamper alerts: the environment's officers (independent of the ledger) plus the profile's.
    expect(await contacts.alarmAddresses('security-officer')).toEqual(['so@env.test', 'so@riverside.test']);

    await update(writer, 'Riverside Health', { 'compliance-officer': 'co@riverside.test', executive: 'ceo@riverside.test' });
    expect(await contacts.warnings()).toEqual([]);
    expect(await contacts.resolve('security-officer')).toEqual({ addresses: ['so@env.test'], source: 'environment' });
  });
});
