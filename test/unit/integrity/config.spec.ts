import { loadIntegrityConfig } from '../../../src/ledger/integrity/integrity-config';
import { Ed25519NoteKey, KEY_TYPE_COSIGNATURE_V1 } from '../../../src/ledger/integrity/note';
import { ValidationError } from '../../../src/platform/errors';

describe('integrity configuration', () => {
  it('defaults: one file witness beside the data dir, quorum 1, ledger keys beside the master key', () => {
    const c = loadIntegrityConfig('/srv/sh/data', { MASTER_KEY_FILE: '/srv/sh/secrets/master.key' });
    expect(c).toMatchObject({
      origin: 'safeharbor.local/ledger',
      keyDir: '/srv/sh/secrets',
      legacyKeyDir: '/srv/sh/data/integrity',
      fileWitnessDirs: ['/srv/sh/data-witness'],
      httpWitnesses: [],
      quorum: 1,
      checkpointEveryEvents: 256,
      checkpointEverySeconds: 60,
    });
  });

  it('parses HTTP witnesses and k-of-n', () => {
    const w = Ed25519NoteKey.generate('w.example/1', KEY_TYPE_COSIGNATURE_V1).verifierKey;
    const c = loadIntegrityConfig('/d', {
      LEDGER_WITNESS_URLS: `${w}@https://w.example/tlog`,
      LEDGER_WITNESS_DIRS: '/mnt/a,/mnt/b',
      LEDGER_WITNESS_QUORUM: '3',
    });
    expect(c.httpWitnesses).toEqual([{ vkey: w, url: 'https://w.example/tlog' }]);
    expect(c.fileWitnessDirs).toEqual(['/mnt/a', '/mnt/b']);
    expect(c.quorum).toBe(3);
  });

  it('refuses ledger keys inside DATA_DIR', () => {
    expect(() => loadIntegrityConfig('/srv/sh/data', { LEDGER_KEY_DIR: '/srv/sh/data/keys' })).toThrow(ValidationError);
    expect(() => loadIntegrityConfig('/srv/sh/data', { MASTER_KEY_FILE: '/srv/sh/data/master.key' })).toThrow(/outside DATA_DIR/);
    expect(loadIntegrityConfig('/srv/sh/data', { LEDGER_KEY_DIR: '/srv/sh/data-keys' }).keyDir).toBe('/srv/sh/data-keys');
  });

  it.each([
    [{ LEDGER_WITNESS_QUORUM: '2' }, 'env.LEDGER_WITNESS_QUORUM'],
    [{ LEDGER_WITNESS_URLS: 'nonsense' }, 'env.LEDGER_WITNESS_URLS[0]'],
    [{ LEDGER_CHECKPOINT_EVERY: '0' }, 'env.LEDGER_CHECKPOINT_EVERY'],
    [{ LEDGER_ORIGIN: 'has space' }, 'env.LEDGER_ORIGIN'],
  ])('bad %j is a validation error naming %s', (env, field) => {
    let err: unknown;
    try {
      loadIntegrityConfig('/d', env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.field)).toContain(field);
  });
});
