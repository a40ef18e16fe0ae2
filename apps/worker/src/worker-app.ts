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
  // On SIGTERM/SIGINT: close every module (queues, connections), then exit with code 0. Without
  // useProcessExit Nest re-raises the signal after closing, and the process dies by it instead.
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.init();
  return app;
}
