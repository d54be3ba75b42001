import { buildCatalogs, requirementOf, shippedCatalogs } from '../../../src/risk/domain/catalogs';
import { DEFAULT_MATRIX, matrixProblems, rate } from '../../../src/risk/domain/matrix';
import hipaa from '../../../src/risk/catalogs/hipaa-security-rule.v1.json';
import hitrust from '../../../src/risk/catalogs/hitrust-csf.v1.json';
import controls from '../../../src/risk/catalogs/controls.v1.json';

describe('control catalogs', () => {
  const c = shippedCatalogs();

  it('carries the four Security Rule sections with required/addressable specifications', () => {
    const sections = new Set([...c.hipaa.keys()].map((id) => id.slice(0, 7)));
    expect([...sections].sort()).toEqual(['164.308', '164.310', '164.312', '164.316']);
    expect(requirementOf(c, '164.308(a)(1)(ii)(A)')).toBe('required'); // risk analysis
    expect(requirementOf(c, '164.312(a)(2)(iv)')).toBe('addressable'); // encryption at rest
    expect(requirementOf(c, '164.312(e)(2)(ii)')).toBe('addressable');
    expect(requirementOf(c, '164.310(d)(2)(i)')).toBe('required'); // disposal
    expect(requirementOf(c, '164.312(b)')).toBe('required'); // standard without specifications
    for (const item of c.hipaa.values())
      if (item.kind === 'implementation-specification') expect(['required', 'addressable']).toContain(item.requirement);
  });

  it('lists the HITRUST CSF categories by number', () => {
    expect(c.hitrust.get('01')!.title).toBe('Access Control');
    expect(c.hitrust.get('09')!.title).toBe('Communications and Operations Management');
    expect(c.hitrust.get('10')!.title).toBe('Information Systems Acquisition, Development and Maintenance');
    expect(c.hitrust.size).toBe(14);
  });

  it('maps every implementation specification and every standard without one to at least one control', () => {
    const covered = new Set([...c.controls.values()].flatMap((x) => x.hipaa));
    const standardsWithSpecs = new Set([...c.hipaa.values()].filter((i) => i.standard).map((i) => i.standard));
    const uncovered = [...c.hipaa.values()]
      .filter((i) => (i.kind === 'implementation-specification' || !standardsWithSpecs.has(i.id)) && !covered.has(i.id))
      .map((i) => i.id);
    expect(uncovered).toEqual([]);
  });

  it('refuses a control mapped to something that does not exist', () => {
    const bad = { ...controls, items: [...controls.items, { id: 'SH-XX-01', title: 'x', hipaa: ['164.312(z)'], hitrust: ['01'] }] };
    expect(() => buildCatalogs({ hipaa, hitrust, controls: bad })).toThrow('controls: SH-XX-01: unknown HIPAA reference 164.312(z)');
    const bad2 = { ...controls, items: [{ id: 'SH-XX-01', title: 'x', hipaa: [], hitrust: ['99'] }] };
    expect(() => buildCatalogs({ hipaa, hitrust, controls: bad2 })).toThrow('unknown HITRUST category 99');
  });
});

describe('risk matrix', () => {
  it('rates likelihood × impact into levels', () => {
    expect(rate(DEFAULT_MATRIX, 1, 4)).toEqual({ likelihood: 1, impact: 4, score: 4, level: 'low' });
    expect(rate(DEFAULT_MATRIX, 1, 5).level).toBe('moderate');
    expect(rate(DEFAULT_MATRIX, 2, 5).level).toBe('high');
    expect(rate(DEFAULT_MATRIX, 4, 5).level).toBe('critical');
    expect(() => rate(DEFAULT_MATRIX, 6, 1)).toThrow('likelihood: expected a whole number from 1 to 5');
    expect(() => rate(DEFAULT_MATRIX, 2, 0)).toThrow('impact:');
  });
  it('checks a custom matrix', () => {
    expect(matrixProblems(DEFAULT_MATRIX)).toEqual([]);
    expect(matrixProblems({ id: 'm', likelihood: ['a'], impact: ['a', 'b'], bands: [{ level: 'high', minScore: 2 }] })).toEqual([
      'matrix.likelihood: expected 2 to 10 levels',
      'matrix.bands: the first band must start at score 1',
    ]);
  });
});
