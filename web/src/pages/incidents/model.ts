/**
 * The incident's shapes and vocabularies as the console shows them. Routes of the incidents API
 * without a response schema are typed `unknown` by the generated client; their shapes are named
 * here once (they mirror src/incidents/queries/get-incident.ts).
 */
import { api, unwrap } from '../../api/client';

export interface Incident {
  id: string;
  title: string;
  summary: string;
  discoveredOn: string;
  reporter: { kind: string; actsAsAgent?: boolean };
  status: string;
  breachType: string | null;
  locations: string[];
  breach: boolean | null;
  basis: string | null;
  totalAffected: number | null;
  decisions: number;
  listVersion: number;
  holdUntil: string | null;
  ruleVersion: string | null;
  version: number;
  reportedAt: string;
  reportedBy: string;
  updatedAt: string;
}

export interface IncidentRow {
  id: string;
  title: string;
  discoveredOn: string;
  status: string;
  reporter: string;
  breach: boolean | null;
  basis: string | null;
  totalAffected: number | null;
  nextDueOn: string | null;
  overdue: boolean;
  reportedAt: string;
}

export interface Obligation {
  obligationId: string;
  kind: string;
  scope: string;
  jurisdiction: string | null;
  regulator: string | null;
  form: string | null;
  people: number | null;
  timing: string | null;
  dueOn: string | null;
  dueRule: string | null;
  citation: string;
  ruleVersion: string;
  condition: string | null;
  status: string;
  daysLeft: number | null;
  overdue: boolean;
}

export interface TimelineEntry {
  stream: string;
  version: number;
  position: string;
  type: string;
  occurredAt: string;
  recordedAt: string;
  actor: { kind?: string; id: string; role?: string; name?: string };
  data: Record<string, unknown>;
}

export const incidentKey = (id: string) => ['incident', id] as const;

export async function fetchIncident(id: string): Promise<Incident> {
  return unwrap(await api.GET('/v1/incidents/{id}', { params: { path: { id } } })) as unknown as Incident;
}
export async function fetchObligations(id: string): Promise<{ today: string; obligations: Obligation[] }> {
  return unwrap(await api.GET('/v1/incidents/{id}/obligations', { params: { path: { id } } })) as unknown as {
    today: string;
    obligations: Obligation[];
  };
}
export async function fetchTimeline(id: string): Promise<TimelineEntry[]> {
  const r = unwrap(await api.GET('/v1/incidents/{id}/timeline', { params: { path: { id } } })) as unknown as { entries: TimelineEntry[] };
  return r.entries;
}

export const STATUS_LABEL: Record<string, { label: string; color: string }> = {
  reported: { label: 'Reported', color: 'blue.8' },
  triage: { label: 'In triage', color: 'blue.8' },
  'not-a-breach': { label: 'Not a breach', color: 'gray.8' },
  breach: { label: 'Breach', color: 'red.9' },
  notifying: { label: 'Notifying', color: 'yellow.4' },
  closed: { label: 'Closed', color: 'gray.8' },
};

export const BREACH_TYPES: Array<[string, string]> = [
  ['hacking-it-incident', 'Hacking / IT incident'],
  ['unauthorized-access-disclosure', 'Unauthorized access or disclosure'],
  ['theft', 'Theft'],
  ['loss', 'Loss'],
  ['improper-disposal', 'Improper disposal'],
  ['other', 'Other'],
];
export const LOCATIONS: Array<[string, string]> = [
  ['laptop', 'Laptop'],
  ['desktop-computer', 'Desktop computer'],
  ['network-server', 'Network server'],
  ['email', 'Email'],
  ['electronic-medical-record', 'Electronic medical record'],
  ['other-portable-electronic-device', 'Other portable electronic device'],
  ['paper-films', 'Paper / films'],
  ['other', 'Other'],
];
export const DATA_ELEMENTS: Array<[string, string]> = [
  ['name', 'Name'],
  ['ssn', 'Social Security number'],
  ['drivers-license', "Driver's license / state ID"],
  ['government-id', 'Other government ID'],
  ['financial-account', 'Financial account / card'],
  ['account-credentials', 'Account credentials'],
  ['medical', 'Medical information'],
  ['health-insurance', 'Health insurance'],
  ['biometric', 'Biometric'],
  ['date-of-birth', 'Date of birth'],
  ['genetic', 'Genetic'],
];

/** The affected-individuals CSV fields the import expects (src/incidents/import/row-validation.ts). */
export const CSV_FIELDS: Array<{ field: string; label: string; required: boolean }> = [
  { field: 'name', label: 'Full name', required: true },
  { field: 'line1', label: 'Address line 1', required: true },
  { field: 'line2', label: 'Address line 2', required: false },
  { field: 'city', label: 'City', required: true },
  { field: 'state', label: 'State (USPS code)', required: true },
  { field: 'zip', label: 'ZIP code', required: true },
  { field: 'email', label: 'Email', required: false },
  { field: 'emailConsent', label: 'Agreed to email notice (yes/no)', required: false },
  { field: 'deceased', label: 'Deceased (yes/no)', required: false },
  { field: 'nextOfKinName', label: 'Next of kin: name', required: false },
  { field: 'nextOfKinLine1', label: 'Next of kin: address line 1', required: false },
  { field: 'nextOfKinLine2', label: 'Next of kin: address line 2', required: false },
  { field: 'nextOfKinCity', label: 'Next of kin: city', required: false },
  { field: 'nextOfKinState', label: 'Next of kin: state', required: false },
  { field: 'nextOfKinZip', label: 'Next of kin: ZIP', required: false },
];

export const label = (pairs: Array<[string, string]>, v: string | null | undefined) => pairs.find(([k]) => k === v)?.[1] ?? v ?? '—';

export interface StepProps {
  incident: Incident;
  timeline: TimelineEntry[];
  role: import('../../session/session').Role;
  onDone: () => void;
}

/** The latest event of a type in the timeline, or undefined. */
export function latest<T = Record<string, unknown>>(timeline: TimelineEntry[], type: string): T | undefined {
  for (let i = timeline.length - 1; i >= 0; i--) if (timeline[i]!.type === type) return timeline[i]!.data as T;
  return undefined;
}

export const RESPONDERS = ['incident-responder', 'compliance-officer'];
