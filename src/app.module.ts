import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CONTEXT_MODULES } from './contexts';
import { SystemController } from './platform/http/system.controller';
import { PlatformModule, type PlatformOptions } from './platform/platform.module';

@Module({})
export class AppModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(options), CqrsModule.forRoot(), ...CONTEXT_MODULES],
      controllers: options.roles.has('api') ? [SystemController] : [],
    };
  }
}
