import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { IncidentsModule } from '../incidents/incidents.module';
import { POSTURE_REGISTRY, type PostureRegistry } from '../posture';
import { DEFAULT_COST_MODEL } from './domain/cost-model';
import { ExposureService, exposureRow } from './exposure.service';
import { ExposureController } from './http/exposure.controller';

/** Exposure analysis: read-only over datasets (population, safe harbor) and the triage engine. Appends nothing. */
@Module({
  imports: [IncidentsModule],
  controllers: [ExposureController],
  providers: [ExposureService],
  exports: [ExposureService],
})
export class ExposureModule implements OnModuleInit {
  constructor(
    @Inject(POSTURE_REGISTRY) private readonly posture: PostureRegistry,
    private readonly exposure: ExposureService,
  ) {}

  onModuleInit(): void {
    // Posture: what each dataset would cost if it leaked today, largest first; those not in safe harbor need action.
    this.posture.register({
      key: 'exposure',
      title: 'Exposure if leaked today (default cost model, USD)',
      order: 52,
      columns: ['dataset', 'individuals', 'safeHarbor', 'owed', 'firstDueInDays', 'costToday', 'ifEncrypted'],
      collect: async () => {
        const r = await this.exposure.report(undefined, DEFAULT_COST_MODEL);
        const rows = r.datasets.map((x) => {
          const { ssn: _s, encryptionSaves: _e, stale: _st, ...row } = exposureRow(x);
          return row;
        });
        return {
          rows,
          attention: r.datasets.filter((x) => x.costToday > 0).length,
          note: `total today ${r.totals.costToday.toFixed(2)}; if every dataset were encrypted ${r.totals.costIfAllEncrypted.toFixed(2)}`,
        };
      },
    });
  }
}
