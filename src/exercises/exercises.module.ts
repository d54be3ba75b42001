import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { EventRegistry } from '../ledger/registry';
import { EVENT_REGISTRY } from '../platform/tokens';
import { IncidentsModule } from '../incidents/incidents.module';
import { EXERCISE_EVENT_TYPES } from './domain/exercise';
import { ExercisesService } from './exercises.service';
import { ExercisesController } from './http/exercises.controller';

/**
 * Breach exercises. Registers its event types and nothing else: no projection, processor,
 * queue or posture provider reads Exercise* events, which is what keeps exercises out of real
 * obligations, metrics, Today, the HHS log, email, public pages and agents.
 */
@Module({
  imports: [IncidentsModule],
  controllers: [ExercisesController],
  providers: [ExercisesService],
})
export class ExercisesModule implements OnModuleInit {
  constructor(@Inject(EVENT_REGISTRY) private readonly registry: EventRegistry) {}

  onModuleInit(): void {
    this.registry.registerNames(...EXERCISE_EVENT_TYPES);
  }
}
