import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DATA_ELEMENTS } from '../../../src/shared/data-elements';
import {
  draftMitigation,
  draftNoticeContent,
  draftPhiInvolved,
  draftSteps,
  draftWhatHappened,
  mergeElements,
  parseContentCatalogue,
} from '../../../src/notices/domain/draft-content';
import { TemplateSet } from '../../../src/notices/rendering/templates';

const dir = join(__dirname, '..', '..', '..', 'templates');
const en = parseContentCatalogue(parse(readFileSync(join(dir, 'content', 'en.yaml'), 'utf8')), 'en.yaml');
const es = parseContentCatalogue(parse(readFileSync(join(dir, 'content', 'es.yaml'), 'utf8')), 'es.yaml');

describe('notice content drafted from the facts', () => {
  it('words every kind of information in both languages, each step it names defined', () => {
    for (const cat of [en, es]) for (const el of DATA_ELEMENTS) expect(cat.elements[el]!.phi.length).toBeGreaterThan(3);
    expect(Object.keys(es.steps).sort()).toEqual(Object.keys(en.steps).sort());
    const broken = parse(readFileSync(join(dir, 'content', 'en.yaml'), 'utf8'));
    broken.elements.ssn.steps.push('no-such-step');
    expect(() => parseContentCatalogue(broken, 'en.yaml')).toThrow('en.yaml: elements.ssn.steps: no step "no-such-step" in steps');
    delete broken.elements.genetic;
    expect(() => parseContentCatalogue(broken, 'en.yaml')).toThrow(/en\.yaml: elements\.genetic: /);
  });

  it('(B) types of PHI from the kinds involved, in vocabulary order, with HHS categories', () => {
    const elements = mergeElements(['medical-record-number', 'name'], ['ssn'], undefined, ['ssn', 'not-a-kind']);
    expect(elements).toEqual(['name', 'ssn', 'medical-record-number']);
    expect(draftPhiInvolved(elements, en)).toEqual({
      phiInvolved: ['Your name', 'Your Social Security number', 'Your medical record number'],
      phiCategories: ['demographic', 'clinical'],
    });
    expect(draftPhiInvolved(['financial-account'], en).phiCategories).toEqual(['financial']);
  });

  it('(C) steps from the kinds: SSN → freeze, alert, reports; MRN → EOB review; card → bank; password → change it', () => {
    const ssn = draftSteps(['name', 'ssn'], en);
    expect(ssn[0]).toMatch(/^Place a free security freeze/);
    expect(ssn.join('\n')).toMatch(/fraud alert/);
    expect(ssn.join('\n')).toMatch(/annualcreditreport\.com/);
    // No monitoring step unless monitoring is offered (the letter prints the offer itself).
    expect(ssn.join('\n')).not.toMatch(/credit monitoring/);
    expect(draftSteps(['ssn'], en, true).join('\n')).toMatch(/credit monitoring described below/);
    expect(draftSteps(['medical-record-number'], en)[0]).toMatch(/explanation of benefits/);
    expect(draftSteps(['financial-account'], en)[0]).toMatch(/^Call your bank or card issuer/);
    expect(draftSteps(['account-credentials'], en)[0]).toMatch(/^Change your password/);
    // Each step once, and "call us" closes the list.
    const both = draftSteps(['medical', 'health-insurance', 'medical-record-number', 'name'], en);
    expect(new Set(both).size).toBe(both.length);
    expect(both[both.length - 1]).toMatch(/^Call our toll-free number/);
    expect(draftSteps(['medical-record-number'], es)[0]).toMatch(/explicaciones de beneficios/);
  });

  it('(D) mitigation from the containment actions carried out, each kind once', () => {
    expect(
      draftMitigation([{ kind: 'rotate-key' }, { kind: 'revoke-grant' }, { kind: 'revoke-grant' }, { kind: 'mark-key-compromised' }], en),
    ).toBe(
      'We ended the access of the accounts involved. We replaced the encryption keys involved. We withdrew the old keys so they can no longer unlock any data.',
    );
    expect(draftMitigation([], en)).toBe('We are reviewing what happened and will act on what we find.');
  });

  it('(A) what happened from breach type and places, never a summary', () => {
    expect(draftWhatHappened({ breachType: 'theft', locations: ['laptop'], discoveredOn: '2025-03-10' })).toBe(
      "A laptop computer holding our patients' health information was stolen.",
    );
    expect(draftWhatHappened({ breachType: 'hacking-it-incident', locations: ['email', 'network-server'] })).toBe(
      "An unauthorized person gained access to an email account and a network server holding our patients' health information through a cyberattack.",
    );
    expect(draftWhatHappened({ discoveredOn: '2025-03-10' })).toBe(
      "An incident affected our records holding our patients' health information.",
    );
    expect(draftWhatHappened({ breachType: 'loss', locations: ['laptop'] }, 'es')).toBe(
      'Se extravió una computadora portátil con información de salud de nuestros pacientes.',
    );
  });

  it('says what the officer must still review', () => {
    const d = draftNoticeContent({ dataElements: ['name', 'ssn'], containmentActions: [], creditMonitoringOffered: false }, en);
    expect(d.review).toEqual([expect.stringMatching(/^creditMonitoring: /), expect.stringMatching(/^mitigation: no containment action/)]);
    const none = draftNoticeContent({ dataElements: [], containmentActions: [{ kind: 'rotate-key' }], creditMonitoringOffered: false }, en);
    expect(none.phiInvolved).toEqual(['Your name']);
    expect(none.review).toEqual([expect.stringMatching(/^phiInvolved: /)]);
  });

  it('the wording is part of the template digest a batch approval binds', () => {
    const t = new TemplateSet(dir);
    expect(t.catalogue('es').language).toBe('es');
    expect(t.catalogue('vi').language).toBe('en');
    const { mkdtempSync, cpSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
    const copy = mkdtempSync(join(require('node:os').tmpdir(), 'tpl-'));
    cpSync(dir, copy, { recursive: true });
    const src = readFileSync(join(copy, 'content', 'en.yaml'), 'utf8');
    writeFileSync(join(copy, 'content', 'en.yaml'), src.replace('Change your password now', 'Change your password today'));
    expect(new TemplateSet(copy).digest).not.toBe(t.digest);
  });
});
