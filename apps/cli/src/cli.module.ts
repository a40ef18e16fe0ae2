import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@helpdesk/config';
import { CoreModule } from '@helpdesk/core';

@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: CliModule, imports: [ConfigModule.forRoot(config), CoreModule] };
  }
}
