import { PostureRegistry, renderPostureText, type PostureProvider } from '../../../src/posture/posture';

const ctx = { now: new Date('2025-06-01T14:00:00Z'), today: '2025-06-01', timeZone: 'America/New_York' };
const provider = (
  key: string,
  order: number,
  rows: Array<Record<string, string | number | boolean | null>>,
  attention = 0,
): PostureProvider => ({
  key,
  title: `Section ${key}`,
  order,
  columns: rows[0] ? Object.keys(rows[0]) : ['a'],
  collect: async () => ({ rows, attention }),
});

describe('posture composition', () => {
  it('orders sections, shows placeholders until a context provides them, and survives a failing provider', async () => {
    const reg = new PostureRegistry();
    reg.register(provider('b', 20, [{ keyId: 'k1', daysLeft: -3, past: true }], 1));
    reg.placeholder('grants', 'Grants expiring', 10, 'provided by the access context');
    reg.register({
      ...provider('c', 30, []),
      collect: async () => {
        throw new Error('table missing');
      },
    });
    let p = await reg.compose(ctx);
    expect(p.sections.map((s) => [s.key, s.available])).toEqual([
      ['grants', false],
      ['b', true],
      ['c', false],
    ]);
    expect(p.sections[2].note).toBe('provider failed: table missing');
    reg.register(provider('grants', 10, [{ grantId: 'g1', expiresOn: '2025-06-10' }]));
    p = await reg.compose(ctx);
    expect(p.sections[0]).toMatchObject({ key: 'grants', available: true, rows: [{ grantId: 'g1', expiresOn: '2025-06-10' }] });
  });

  it('renders readable aligned tables', async () => {
    const reg = new PostureRegistry();
    reg.register(
      provider(
        'keys',
        1,
        [
          { keyId: 'kek-1', daysLeft: -3, past: true },
          { keyId: 'kek-22', daysLeft: 12, past: false },
        ],
        1,
      ),
    );
    reg.register(provider('empty', 2, []));
    const text = renderPostureText(await reg.compose(ctx));
    expect(text.split('\n')).toEqual([
      'Safe Harbor posture as of 2025-06-01 (America/New_York)',
      '',
      '== Section keys [1 needs action]',
      '   keyId   daysLeft  past',
      '   ------  --------  ----',
      '   kek-1   -3        yes',
      '   kek-22  12        no',
      '',
      '== Section empty [ok]',
      '   none',
      '',
    ]);
  });
});
