/**
 * The auditor evidence bundle (format safeharbor-evidence/v1), a ZIP holding:
 *   manifest.json          origin, incident, checkpoint size/root, log + witness verifier keys, quorum
 *   checkpoint.txt         the signed checkpoint note with its witness cosignatures
 *   stream-heads.txt       the log's signed note of where the incident's stream ended in that tree
 *                          (completeness: the bundle must hold versions 1..n of that stream)
 *   events/<position>.json the exact leaf bytes of each event (RFC 8785 canonical envelope)
 *   proofs.json            per position: leaf hash and the inclusion proof to the checkpoint
 *   verify-evidence.js     the standalone verifier (plain Node, no dependencies)
 *   README.txt             how to verify offline
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { leafBytes, leafHash } from '../ledger/integrity/hashing';
import type { RecordedEvent } from '../ledger/port';
import { writeZip, ZipEntry } from './zip';

export interface EvidenceInput {
  incidentId: string;
  origin: string;
  generatedAt: string;
  checkpoint: { note: string; size: number; root: Buffer };
  /** LedgerSigner.signStreamHeads over the checkpoint's size and root. */
  streamHeads: string;
  keys: { log: string; witnesses: string[]; quorum: number };
  events: Array<{ event: RecordedEvent; inclusionProof: Buffer[] }>;
}

export function verifierScriptPath(): string {
  const candidates = [
    path.join(__dirname, 'verifier', 'verify-evidence.js'),
    path.join(__dirname, '..', '..', 'src', 'evidence', 'verifier', 'verify-evidence.js'),
  ];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error('the standalone verifier script (verify-evidence.js) is missing from this installation');
  return found;
}

export function buildEvidenceFiles(input: EvidenceInput): ZipEntry[] {
  if (input.events.length === 0) throw new Error('an evidence bundle needs at least one event');
  const proofs: Record<
    string,
    { leafHash: string; leafIndex: number; inclusionProof: string[]; stream: string; type: string; id: string }
  > = {};
  const eventEntries: ZipEntry[] = [];
  for (const { event, inclusionProof } of input.events) {
    if (Number(event.position) > input.checkpoint.size)
      throw new Error(`event at position ${event.position} is not covered by checkpoint size ${input.checkpoint.size}`);
    const bytes = leafBytes(event);
    const pos = event.position.toString();
    proofs[pos] = {
      id: event.id,
      stream: event.stream,
      type: event.type,
      leafIndex: Number(event.position) - 1,
      leafHash: leafHash(bytes).toString('hex'),
      inclusionProof: inclusionProof.map((p) => p.toString('base64')),
    };
    eventEntries.push({ name: `events/${pos}.json`, data: bytes });
  }
  const manifest = {
    format: 'safeharbor-evidence/v1',
    incidentId: input.incidentId,
    origin: input.origin,
    generatedAt: input.generatedAt,
    checkpoint: { size: input.checkpoint.size, root: input.checkpoint.root.toString('base64') },
    keys: input.keys,
    events: input.events.length,
    completeness:
      'stream-heads/v1: stream-heads.txt, signed by the log key, names the last version and position of the incident stream at the checkpoint',
    leafEncoding: 'RFC 6962 leaf hash over the RFC 8785 canonical JSON envelope (version and position as decimal strings)',
  };
  const readme = [
    'Safe Harbor evidence bundle',
    '',
    `Incident ${input.incidentId}: ${input.events.length} ledger event(s), each with an RFC 6962 inclusion proof`,
    `to the checkpoint of ${input.origin} at size ${input.checkpoint.size}, signed by the ledger and cosigned by witnesses.`,
    '',
    'Verify offline (Node.js 16 or newer, nothing to install), pinning the keys you obtained apart from this bundle:',
    '  node verify-evidence.js evidence.zip --log-key <file or ledger vkey> --witness-key <witness vkey> --quorum <k>',
    'or, after extracting:  node verify-evidence.js <folder> --log-key ...',
    'Without --log-key the verifier refuses; --trust-bundle-keys trusts the keys inside the bundle (proves nothing',
    'against whoever made the bundle).',
    '',
  ].join('\n');
  return [
    { name: 'README.txt', data: Buffer.from(readme) },
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { name: 'checkpoint.txt', data: Buffer.from(input.checkpoint.note) },
    { name: 'stream-heads.txt', data: Buffer.from(input.streamHeads) },
    { name: 'proofs.json', data: Buffer.from(`${JSON.stringify({ events: proofs }, null, 2)}\n`) },
    ...eventEntries,
    { name: 'verify-evidence.js', data: fs.readFileSync(verifierScriptPath()), mode: 0o755 },
  ];
}

export function buildEvidenceZip(input: EvidenceInput): Buffer {
  return writeZip(buildEvidenceFiles(input), { compress: true });
}
