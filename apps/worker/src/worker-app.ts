import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as Pino } from 'pino';
import { AppConfig, PinoNestLogger } from '@helpdesk/config';
import { WorkerModule } from './worker.module';

/** Builds the worker (used by main.ts and by the tests); its HTTP server serves health only. */
export async function createWorkerApp(config: AppConfig, logger: Pino): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(WorkerModule.forRoot(config), new FastifyAdapter({ loggerInstance: logger }), {
    logger: new PinoNestLogger(logger),
  });
  app.enableShutdownHooks();
  await app.init();
  return app;
}
