import { z } from 'zod';
import { CalendarDateSchema } from '../../shared/calendar-schema';
import { ASSET_KINDS, TREATMENT_OPTIONS } from '../domain/assessment';
import { CANDIDATE_ORIGINS } from '../domain/candidates';

const date = CalendarDateSchema;
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'expected an id of letters, digits, ".", "_" or "-"');
const txt = (max: number) => z.string().trim().min(1, 'required').max(max);

export const EstablishProgramBody = z.strictObject({
  programId: id.default('default'),
  name: txt(200),
  ownerId: id,
  firstReviewDueOn: date,
});
export const MatrixBody = z.strictObject({
  id: txt(64),
  likelihood: z.array(txt(40)).min(2).max(10),
  impact: z.array(txt(40)).min(2).max(10),
  bands: z.array(z.strictObject({ level: z.enum(['low', 'moderate', 'high', 'critical']), minScore: z.number().int().min(1) })).min(1),
});
export const StartAssessmentBody = z.strictObject({
  programId: id.default('default'),
  title: txt(200),
  periodStart: date,
  periodEnd: date,
  fromAssessmentId: z.uuid().optional(),
  matrix: MatrixBody.optional(),
});
export const AssetBody = z.strictObject({
  kind: z.enum(ASSET_KINDS as [string, ...string[]]),
  name: txt(200),
  holdsEphi: z.boolean(),
  ownerId: id.optional(),
  datasetId: id.optional(),
});
export const RiskBody = z.strictObject({
  title: txt(200),
  assetIds: z.array(z.string()).min(1, 'at least one asset'),
  threat: txt(500),
  vulnerability: txt(500),
  controls: z.array(z.string()).default([]),
});
export const RatingBody = z.strictObject({
  rating: z.enum(['inherent', 'residual']),
  likelihood: z.number().int(),
  impact: z.number().int(),
  rationale: txt(2000),
});
export const TreatmentBody = z.strictObject({
  option: z.enum(TREATMENT_OPTIONS as [string, ...string[]]),
  ownerId: id,
  dueOn: date,
  plan: txt(2000),
});
export const AcceptanceBody = z.strictObject({ rationale: txt(2000), expiresOn: date.optional() });
export const CandidateBody = z.strictObject({
  origin: z.enum(CANDIDATE_ORIGINS as [string, ...string[]]),
  sourceRef: z.strictObject({ kind: id, id }),
  code: id,
  title: txt(200),
  detail: z.string().max(2000).optional(),
  severity: z.enum(['low', 'moderate', 'high', 'critical']),
  datasetId: id.optional(),
});
export const AdoptBody = z.strictObject({
  assessmentId: z.uuid(),
  assetIds: z.array(z.string()).min(1),
  threat: txt(500),
  vulnerability: txt(500),
  controls: z.array(z.string()).default([]),
});
export const DismissBody = z.strictObject({ reason: txt(2000) });
