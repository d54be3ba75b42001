import { SipHash128 } from '../../../src/incidents/import/siphash';

/** Reference vectors of SipHash-2-4 with 128-bit output (vectors.h, vectors_sip128), key 00..0f, message 00..n-1. */
const VECTORS_128: Record<number, string> = {
  0: 'a3817f04ba25a8e66df67214c7550293',
  1: 'da87c1d86b99af44347659119b22fc45',
  2: '8177228da4a45dc7fca38bdef60affe4',
  3: '9c70b60c5267a94e5f33b6b02985ed51',
  7: 'a1f1ebbed8dbc153c0b84aa61ff08239',
  8: '3b62a9ba6258f5610f83e264f31497b4',
  15: '5493e99933b0a8117e08ec0f97cfc3d9',
};

describe('SipHash-2-4-128', () => {
  const key = Buffer.from(Array.from({ length: 16 }, (_, i) => i));
  const h = new SipHash128(key);
  it.each(Object.entries(VECTORS_128))('reference vector, %s-byte message', (n, expected) => {
    const msg = Buffer.from(Array.from({ length: Number(n) }, (_, i) => i));
    h.hashBytes(msg, msg.length);
    expect(h.hex()).toBe(expected);
  });
  it('hashes strings as their UTF-8 bytes and depends on the key', () => {
    h.hashString('Zoë');
    const a = h.hex();
    h.hashBytes(Buffer.from('Zoë', 'utf8'), Buffer.byteLength('Zoë'));
    expect(h.hex()).toBe(a);
    const other = new SipHash128(Buffer.alloc(16, 9));
    other.hashString('Zoë');
    expect(other.hex()).not.toBe(a);
  });
});
