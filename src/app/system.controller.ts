import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import type { Registry } from 'prom-client';
import { Public } from '../auth/http/decorators';
import type { EventStore } from '../ledger/port';
import type { IntegrityService, LedgerHealth } from '../ledger/integrity/integrity.service';
import { INTEGRITY, KURRENT_INTEGRITY } from '../ledger/integrity/integrity.tokens';
import type { KurrentIntegrity } from '../ledger/integrity/kurrent-integrity';
import { QUEUES, type QueueRegistry } from '../platform/redis';
import { ApiZodResponse } from '../platform/http/zod';
import { EVENT_STORE, METRICS } from '../platform/tokens';
import { ROLE_CONTACTS, type RoleContacts } from '../platform/role-contacts';

const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  ledger: z.looseObject({ ok: z.boolean(), adapter: z.string(), head: z.string().optional() }),
  redis: z.object({ ok: z.boolean() }),
  warnings: z.array(z.object({ code: z.string(), reason: z.string(), roles: z.array(z.string()).optional() })).optional(),
});

@ApiTags('system')
@Controller()
export class SystemController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(QUEUES) private readonly queues: QueueRegistry,
    @Inject(METRICS) private readonly metrics: Registry,
    @Inject(ROLE_CONTACTS) private readonly contacts: RoleContacts,
    @Optional() @Inject(INTEGRITY) private readonly integrity: IntegrityService | null = null,
    @Optional() @Inject(KURRENT_INTEGRITY) private readonly kurrentIntegrity: KurrentIntegrity | null = null,
  ) {}

  /**
   * 200 when the ledger and Redis answer and the ledger accepts appends; 503 otherwise, with the
   * reason (`ledger.integrity.failure`). `degraded` with `warnings` (code, reason) when it runs but
   * an operator must act: still 200. `role-contacts-missing` names the roles whose reminders, escalations
   * or alerts would go to a placeholder (roles only, never addresses); it clears when the profile names them.
   */
  @Public()
  @ApiOperation({ summary: 'Health of the ledger and Redis (200 ok or degraded, 503 when failed)' })
  @Get('health')
  @ApiZodResponse(HealthSchema)
  @ApiZodResponse(HealthSchema, 503)
  async health(@Res() res: Response): Promise<void> {
    let ledger: { ok: boolean; adapter: string; head?: string; integrity?: LedgerHealth } = { ok: false, adapter: this.store.adapter };
    try {
      ledger = { ok: true, adapter: this.store.adapter, head: String(await this.store.headPosition()) };
      const checker = this.integrity ?? this.kurrentIntegrity;
      if (checker) {
        const integrity = checker.health();
        ledger = { ...ledger, ok: integrity.ok, integrity };
      }
    } catch {
      /* reported as not ok */
    }
    const redis = { ok: await this.queues.ping() };
    const ok = ledger.ok && redis.ok;
    let warnings: { code: string; reason: string; roles?: string[] }[] = [];
    try {
      warnings = await this.contacts.warnings();
    } catch {
      /* the ledger did not answer: already reported above */
    }
    res
      .status(ok ? 200 : 503)
      .json({ status: ok && warnings.length === 0 ? 'ok' : 'degraded', ledger, redis, ...(warnings.length ? { warnings } : {}) });
  }

  @Public()
  @ApiOperation({ summary: 'Prometheus metrics' })
  @Get('metrics')
  async prometheus(@Res() res: Response): Promise<void> {
    res.type(this.metrics.contentType).send(await this.metrics.metrics());
  }
}
