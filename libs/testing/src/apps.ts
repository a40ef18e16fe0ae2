import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, ConfigModule, loadConfig } from '@helpdesk/config';
import { CoreModule } from '@helpdesk/core';
import { emptyWorkingDirectory, spawnBuilt, SpawnedProcess } from './processes';
import { testEnvironment } from './test-env';

export interface RunningApp {
  /** The configuration the process runs with. */
  config: AppConfig;
  /** Base URL, e.g. http://127.0.0.1:41234 */
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
   * process whose dependencies a test took away), then closes `services`.
   */
  close(options?: { requireCleanExit?: boolean }): Promise<void>;
}

@Module({})
class TestServicesModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: TestServicesModule, imports: [ConfigModule.forRoot(config), CoreModule] };
  }
}

async function start(app: 'api' | 'worker', overrides: Record<string, string>): Promise<RunningApp> {
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
  return {
    config,
    url: spawned.url,
    process: spawned,
    services,
    close: async ({ requireCleanExit = true } = {}) => {
      try {
        const exited = await spawned.stop();
        if (requireCleanExit && (!exited || exited.code !== 0)) throw new Error(`${app} did not exit cleanly on SIGTERM (${exited ? `code ${exited.code}, signal ${exited.signal}` : 'killed after 15 s'}); output: ${spawned.output()}`);
      } finally {
        await services.close();
        workdir.remove();
      }
    },
  };
}

/** The built api (`dist/apps/api/src/main.js`) on a free loopback port, against the run's database and Redis. */
export function startApi(overrides: Record<string, string> = {}): Promise<RunningApp> {
  return start('api', overrides);
}

/** The built worker, its health server on a free loopback port. */
export function startWorker(overrides: Record<string, string> = {}): Promise<RunningApp> {
  return start('worker', overrides);
}
