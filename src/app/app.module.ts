import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CONTEXT_MODULES } from './contexts';
import { rateLimitModule } from '../platform/http/rate-limit';
import { SystemController } from './system.controller';
import { PlatformModule, type PlatformOptions } from './platform.module';

@Module({})
export class AppModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return {
      module: AppModule,
      // The rate limit's guard comes before the contexts' (authentication) so it runs first.
      imports: [PlatformModule.forRoot(options), CqrsModule.forRoot(), rateLimitModule(), ...CONTEXT_MODULES],
      controllers: options.roles.has('api') ? [SystemController] : [],
    };
  }
}
