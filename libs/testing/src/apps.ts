import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AddressInfo } from 'node:net';
import pino from 'pino';
import { AppConfig } from '@helpdesk/config';
import { createApiApp } from '../../../apps/api/src/api-app';
import { createWorkerApp } from '../../../apps/worker/src/worker-app';
import { testConfig } from './test-env';

export interface RunningApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

async function listen(app: NestFastifyApplication, config: AppConfig): Promise<RunningApp> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, config, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** The whole api, listening on a free loopback port, against the run's database and Redis. */
export async function startApi(overrides: Record<string, string> = {}): Promise<RunningApp> {
  const config = testConfig(overrides);
  return listen(await createApiApp(config, pino({ level: 'silent' })), config);
}

export async function startWorker(overrides: Record<string, string> = {}): Promise<RunningApp> {
  const config = testConfig(overrides);
  return listen(await createWorkerApp(config, pino({ level: 'silent' })), config);
}
