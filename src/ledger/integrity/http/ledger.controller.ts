import { Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { Roles } from '../../../auth';
import { ConflictError, NotFoundError, ValidationError } from '../../../platform/errors';
import { ApiZodResponse, ZodPipe } from '../../../platform/http/zod';
import { READ_DB } from '../../projections/projection-runner';
import { INTEGRITY } from '../integrity.tokens';
import type { IntegrityService } from '../integrity.service';
import { LedgerIntegrityError } from '../sqlite-integrity-store';
import { CheckpointResultSchema, CheckpointSchema, LedgerKeysSchema, TamperAlertsSchema, WitnessStatesSchema } from './ledger.schemas';

const VERIFIERS = ['auditor', 'security-officer', 'compliance-officer'] as const;

const InclusionQuery = z.object({ eventId: z.string().uuid() }).strict();
const ConsistencyQuery = z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }).strict();
const VerifyQuery = z.object({ since: z.enum(['true', 'false']).optional() }).strict();

export function integrityOrFail(i: IntegrityService | null): IntegrityService {
  if (!i) throw new NotFoundError('ledger integrity is only available on the embedded SQLite ledger');
  return i;
}

export async function mapIntegrityErrors<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof LedgerIntegrityError) throw new ConflictError(e.message, e.position !== undefined ? { position: e.position } : {});
    if (e instanceof RangeError) throw ValidationError.field('query', e.message);
    throw e;
  }
}

@ApiTags('ledger')
@ApiBearerAuth()
@Controller('v1/ledger')
export class LedgerController {
  constructor(
    @Inject(INTEGRITY) private readonly integrity: IntegrityService | null,
    @Inject(READ_DB) private readonly readDb: Database.Database,
  ) {}

  /** The newest signed checkpoint (C2SP signed note with witness cosignatures). */
  @ApiOperation({ summary: 'The newest signed checkpoint with witness cosignatures' })
  @Get('checkpoint')
  @ApiZodResponse(CheckpointSchema)
  @Roles(...VERIFIERS)
  checkpoint() {
    const cp = integrityOrFail(this.integrity).store.latestCheckpoint();
    if (!cp) throw new NotFoundError('no checkpoint has been signed yet');
    return { size: cp.size, root: cp.root.toString('base64'), note: cp.note, cosignatures: cp.cosigned, signedAt: cp.signedAt };
  }

  /** Sign a checkpoint now and offer it to the witnesses (auditors stay read-only). */
  @ApiOperation({ summary: 'Sign a checkpoint now and offer it to the witnesses' })
  @Post('checkpoints')
  @ApiZodResponse(CheckpointResultSchema)
  @HttpCode(200)
  @Roles('security-officer', 'compliance-officer')
  async checkpointNow() {
    const r = await mapIntegrityErrors(() => integrityOrFail(this.integrity).checkpointNow());
    if (!r) throw new ConflictError('the ledger is empty: nothing to sign');
    return r;
  }

  @ApiOperation({ summary: 'Inclusion proof of a ledger position' })
  @Get('proofs/inclusion')
  @Roles(...VERIFIERS)
  inclusion(@Query(new ZodPipe(InclusionQuery)) q: z.infer<typeof InclusionQuery>) {
    const i = integrityOrFail(this.integrity);
    return mapIntegrityErrors(async () => {
      if (!i.store.eventById(q.eventId)) throw new NotFoundError(`no event with id ${q.eventId}`);
      return i.prove(q.eventId);
    });
  }

  @ApiOperation({ summary: 'Consistency proof between two tree sizes' })
  @Get('proofs/consistency')
  @Roles(...VERIFIERS)
  consistency(@Query(new ZodPipe(ConsistencyQuery)) q: z.infer<typeof ConsistencyQuery>) {
    if (q.from > q.to) throw ValidationError.field('from', 'must not be larger than to');
    return mapIntegrityErrors(() => integrityOrFail(this.integrity).consistencyBetween(q.from, q.to));
  }

  /** Recompute everything; `ok: false` names the first bad position and why. */
  @ApiOperation({ summary: 'Verify the whole ledger (first bad position and why)' })
  @Post('verify')
  @HttpCode(200)
  @Roles(...VERIFIERS)
  verify(@Query(new ZodPipe(VerifyQuery)) q: z.infer<typeof VerifyQuery>) {
    return integrityOrFail(this.integrity).verify({ since: q.since === 'true' });
  }

  /** The keys an auditor needs to verify offline. */
  @ApiOperation({ summary: 'The keys an auditor needs to verify offline' })
  @Get('keys')
  @ApiZodResponse(LedgerKeysSchema)
  @Roles(...VERIFIERS)
  keys() {
    const i = integrityOrFail(this.integrity);
    const p = i.policy;
    return { origin: p.origin, log: i.signer.verifierKey, witnesses: p.witnessKeys.map((k) => k.verifierKey), quorum: p.quorum };
  }

  @ApiOperation({ summary: 'Each witness: the size it last cosigned and its last error' })
  @Get('witnesses')
  @ApiZodResponse(WitnessStatesSchema)
  @Roles(...VERIFIERS)
  witnesses() {
    return integrityOrFail(this.integrity).store.witnessStates();
  }

  @ApiOperation({ summary: 'Recorded ledger tamper alerts' })
  @Get('tamper-alerts')
  @ApiZodResponse(TamperAlertsSchema)
  @Roles('security-officer', 'compliance-officer', 'auditor')
  alerts() {
    return this.readDb
      .prepare(
        'SELECT alert_id AS alertId, kind, reason, position, detected_by AS detectedBy, witness, checkpoint_size AS checkpointSize, assigned_role AS assignedRole, detected_at AS detectedAt FROM ledger_tamper_alerts ORDER BY ledger_position DESC LIMIT 500',
      )
      .all();
  }
}
