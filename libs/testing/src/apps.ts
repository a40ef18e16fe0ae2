import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, ConfigModule, loadConfig } from '@helpdesk/config';
import { CoreModule } from '@helpdesk/core';
import { describeViolations, startValidatingProxy, ValidatingProxy, Violation } from './openapi-proxy';
import { emptyWorkingDirectory, spawnBuilt, SpawnedProcess } from './processes';
import { testEnvironment } from './test-env';

export interface RunningApp {
  /** The configuration the process runs with. */
  config: AppConfig;
  /**
   * Base URL, e.g. http://127.0.0.1:41234. For the api, that of a proxy that checks every answer
   * against the api's OpenAPI document (openapi-proxy.ts) unless started with `openapi: false`.
   */
  url: string;
  /** The built process under test. */
  process: SpawnedProcess;
  /**
   * The test's own way into the same database: repositories and use cases from the libraries, for
   * fixtures (tenants) and for reading what the process did. Never the process under test.
   */
  services: INestApplicationContext;
  /**
   * SIGTERM to the process, which must exit with code 0 unless `requireCleanExit` is false (a
   * process whose dependencies a test took away), then closes `services`; fails if an answer
   * of the api was not as its OpenAPI document describes and no test has reported it yet.
   */
  close(options?: { requireCleanExit?: boolean }): Promise<void>;
}

@Module({})
class TestServicesModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: TestServicesModule, imports: [ConfigModule.forRoot(config), CoreModule] };
  }
}

async function start(app: 'api' | 'worker', overrides: Record<string, string>, checkOpenApi = false): Promise<RunningApp> {
  const env = testEnvironment({ LOG_LEVEL: 'warn', ...overrides });
  const config = loadConfig(env);
  const workdir = emptyWorkingDirectory();
  const [spawned, services] = await Promise.all([
    spawnBuilt(app, app, env, workdir.path),
    NestFactory.createApplicationContext(TestServicesModule.forRoot(config), { logger: ['error'] }),
  ]).catch((error: unknown) => {
    workdir.remove();
    throw error;
  });
  let proxy: ValidatingProxy | undefined;
  try {
    if (checkOpenApi) proxy = await startValidatingProxy(spawned.url);
  } catch (error) {
    await spawned.stop();
    await services.close();
    workdir.remove();
    throw error;
  }
  return {
    config,
    url: proxy?.url ?? spawned.url,
    process: spawned,
    services,
    close: async ({ requireCleanExit = true } = {}) => {
      let unreported: Violation[] = [];
      try {
        const exited = await spawned.stop();
        if (requireCleanExit && (!exited || exited.code !== 0))
          throw new Error(
            `${app} did not exit cleanly on SIGTERM (${exited ? `code ${exited.code}, signal ${exited.signal}` : 'killed after 15 s'}); output: ${spawned.output()}`,
          );
      } finally {
        unreported = proxy?.take() ?? [];
        await proxy?.close();
        await services.close();
        workdir.remove();
      }
      if (unreported.length > 0) throw new Error(describeViolations(unreported));
    },
  };
}

/**
 * The built api (`dist/apps/api/src/main.js`) on a free loopback port, against the run's database
 * and Redis; its `url` is that of the OpenAPI-checking proxy unless `openapi` is false.
 */
export function startApi(overrides: Record<string, string> = {}, { openapi = true }: { openapi?: boolean } = {}): Promise<RunningApp> {
  return start('api', overrides, openapi);
}

/** The built worker, its health server on a free loopback port. */
export function startWorker(overrides: Record<string, string> = {}): Promise<RunningApp> {
  return start('worker', overrides);
}
