import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Registry } from 'prom-client';
import { Public } from '../auth/http/decorators';
import type { EventStore } from '../ledger/port';
import { QUEUES, type QueueRegistry } from '../platform/redis';
import { EVENT_STORE, METRICS } from '../platform/tokens';
import { APP_CONFIG, operatorWarnings, type AppConfig } from '../platform/config';

@ApiTags('system')
@Controller()
export class SystemController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(QUEUES) private readonly queues: QueueRegistry,
    @Inject(METRICS) private readonly metrics: Registry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * 200 when the ledger and Redis answer, 503 otherwise. `degraded` with `warnings` (code, reason)
   * when it runs but an operator must act (e.g. escalations to placeholder mailboxes): still 200.
   */
  @Public()
  @Get('health')
  async health(@Res() res: Response): Promise<void> {
    let ledger: { ok: boolean; adapter: string; head?: string } = { ok: false, adapter: this.store.adapter };
    try {
      ledger = { ok: true, adapter: this.store.adapter, head: String(await this.store.headPosition()) };
    } catch {
      /* reported as not ok */
    }
    const redis = { ok: await this.queues.ping() };
    const ok = ledger.ok && redis.ok;
    const warnings = operatorWarnings(this.config);
    res
      .status(ok ? 200 : 503)
      .json({ status: ok && warnings.length === 0 ? 'ok' : 'degraded', ledger, redis, ...(warnings.length ? { warnings } : {}) });
  }

  @Public()
  @Get('metrics')
  async prometheus(@Res() res: Response): Promise<void> {
    res.type(this.metrics.contentType).send(await this.metrics.metrics());
  }
}
