/** Synthetic test data for notices: generated, never real people. */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { AffectedIndividual } from '../../../src/incidents/domain/affected-individual';
import {
  parseIncidentNoticeFacts,
  parseOrganizationProfile,
  type IncidentNoticeFacts,
  type OrganizationProfile,
} from '../../../src/notices/domain/notice-input';

export function testOrg(overrides: Record<string, unknown> = {}): OrganizationProfile {
  return parseOrganizationProfile({
    name: 'Riverbend Community Health',
    entityType: 'health-care-provider',
    letterhead: { lines: ['450 Harbor Avenue, Suite 200, Columbus OH 43004', 'riverbend.example'] },
    returnAddress: { line1: 'PO Box 1200', city: 'Columbus', state: 'OH', zip: '43004' },
    contact: {
      tollFreeNumber: '1-888-555-0142',
      hours: 'Monday through Friday, 8 a.m. to 6 p.m. Eastern',
      email: 'privacy@riverbend.example',
      website: 'https://riverbend.example/notice',
      postalAddress: { line1: 'Attn: Privacy Office', line2: '450 Harbor Avenue', city: 'Columbus', state: 'OH', zip: '43004' },
      contactPerson: { name: 'Dana Whitfield', title: 'Privacy Officer', phone: '614-555-0199', email: 'dana.whitfield@riverbend.example' },
    },
    signatory: { name: 'Dana Whitfield', title: 'Privacy Officer' },
    mailFrom: 'notices@riverbend.example',
    publicBaseUrl: 'https://notices.riverbend.example',
    ...overrides,
  });
}

export function testFacts(overrides: Record<string, unknown> = {}): IncidentNoticeFacts {
  return parseIncidentNoticeFacts({
    incidentId: '01937a4e-8f00-7000-8000-00000000c0de',
    whatHappened: 'An unencrypted laptop used by a billing contractor was stolen from a parked car.',
    breachStartedOn: '2025-03-01',
    discoveredOn: '2025-03-10',
    phiInvolved: ['Name', 'Date of birth', 'Medical record number', 'Diagnosis codes'],
    phiCategories: ['demographic', 'clinical'],
    stepsForIndividuals: ['Review the explanation of benefits statements you receive.', 'Tell us about any service you did not receive.'],
    investigation: 'We reported the theft to the police and hired a forensic firm.',
    mitigation: 'We disabled the contractor account and remotely locked the device.',
    prevention: 'We now encrypt every laptop and review contractor access every quarter.',
    breachType: 'theft',
    locations: ['laptop'],
    safeguardsBefore: ['privacy-security-training', 'firewalls'],
    actionsTaken: ['Encrypted all portable devices', 'Retrained the workforce'],
    ...overrides,
  });
}

const FIRST = ['Avery', 'Jordan', 'Morgan', 'Riley', 'Casey', 'Quinn', 'Harper', 'Rowan', 'Sasha', 'Emerson'];
const LAST = ['Okafor', 'Lindqvist', 'Delgado', 'Nakamura', "O'Brien", 'Kowalski', 'Haddad', 'Brennan', 'Ivanova', 'Mbeki'];
const STATES = ['OH', 'KY', 'IN', 'PA', 'WV', 'MI'];

/** Deterministic synthetic people: index i always gives the same person. */
export function syntheticPerson(i: number, overrides: Partial<AffectedIndividual> = {}): AffectedIndividual {
  const id = createHash('sha256').update(`person-${i}`).digest('hex').slice(0, 24);
  return {
    id,
    name: `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`,
    address: {
      line1: `${100 + (i % 9000)} Elm Street`,
      city: 'Springfield',
      state: STATES[i % STATES.length]!,
      zip: String(43000 + (i % 999)).padStart(5, '0'),
    },
    email: `person${i}@mail.test`,
    emailConsent: i % 4 === 0,
    deceased: false,
    insufficientContact: false,
    ...overrides,
  };
}

/** A small grayscale PNG (a diagonal stroke) for the signature image. */
export function png(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const raw = Buffer.alloc((w + 1) * h, 255);
  for (let y = 0; y < h; y++) {
    raw[y * (w + 1)] = 0;
    const x = Math.floor((y / h) * w);
    raw[y * (w + 1) + 1 + x] = 0;
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
