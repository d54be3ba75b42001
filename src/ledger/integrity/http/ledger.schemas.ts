import { z } from 'zod';

/** Response shapes of the ledger routes, documented in OpenAPI (the OpenAPI e2e test checks answers against them). */
export const CheckpointSchema = z.object({
  size: z.number().int(),
  root: z.string().describe('base64 Merkle root'),
  note: z.string().describe('the C2SP signed note, with the witnesses’ cosignature lines'),
  cosignatures: z.number().int(),
  signedAt: z.string(),
});

const WitnessOutcomeSchema = z.union([
  z.object({ witness: z.string(), status: z.literal('cosigned'), cosignatures: z.string(), size: z.number().int() }),
  z.object({ witness: z.string(), status: z.literal('unreachable'), message: z.string() }),
  z.object({
    witness: z.string(),
    status: z.literal('refused'),
    httpStatus: z.number().int(),
    reason: z.string().optional(),
    message: z.string(),
    heldSize: z.number().int().optional(),
  }),
]);

export const CheckpointResultSchema = z.object({
  size: z.number().int(),
  root: z.string(),
  note: z.string(),
  cosignatures: z.number().int(),
  witnesses: z.array(WitnessOutcomeSchema),
});

export const LedgerKeysSchema = z.object({
  origin: z.string(),
  log: z.string().describe('the log’s verifier key (name+hash+base64)'),
  witnesses: z.array(z.string()),
  quorum: z.number().int(),
});

export const WitnessStatesSchema = z.array(
  z.object({ name: z.string(), size: z.number().int(), updatedAt: z.string().nullable(), lastError: z.string().nullable() }),
);

export const TamperAlertsSchema = z.array(
  z.object({
    alertId: z.string(),
    kind: z.string(),
    reason: z.string(),
    position: z.number().int().nullable(),
    detectedBy: z.string(),
    witness: z.string().nullable(),
    checkpointSize: z.number().int().nullable(),
    assignedRole: z.string(),
    detectedAt: z.string(),
  }),
);
