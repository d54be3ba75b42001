import type { Type } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AgentsModule } from '../agents/agents.module';
import { AuthModule } from '../auth/auth.module';
import { TodayModule } from '../console/today/today.module';
import { DatasetsModule } from '../datasets/datasets.module';
import { ExercisesModule } from '../exercises/exercises.module';
import { ExposureModule } from '../exposure/exposure.module';
import { IncidentsModule } from '../incidents/incidents.module';
import { IntegrityModule } from '../ledger/integrity/integrity.module';
import { KeysModule } from '../keys/keys.module';
import { NoticesModule } from '../notices/notices.module';
import { SchedulerModule } from '../platform/roles/scheduler';
import { PostureModule } from '../posture/posture.module';
import { RiskModule } from '../risk/risk.module';
import { WorkflowsModule } from '../workflows/workflows.module';

/**
 * Every bounded context's Nest module. Add yours here (one line): it registers its event
 * types and projections in onModuleInit and starts its workers in onApplicationBootstrap when
 * the process has the worker role.
 */
export const CONTEXT_MODULES: Type[] = [
  AuthModule,
  IntegrityModule,
  IncidentsModule,
  WorkflowsModule,
  NoticesModule,
  KeysModule,
  DatasetsModule,
  ExposureModule,
  ExercisesModule,
  AccessModule,
  AgentsModule,
  RiskModule,
  PostureModule,
  SchedulerModule,
  TodayModule,
];
