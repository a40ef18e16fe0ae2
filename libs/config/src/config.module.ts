import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './config';

export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Provides the validated configuration; tests pass their own instead of the environment's.
 * Global on purpose (as @nestjs/config's isGlobal): every module reads it, and the root module
 * loads it once with forRoot, so feature modules cannot import it without a second instance.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig = loadConfig()): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}
