import 'reflect-metadata';
import { createLogger, loadConfig } from '@helpdesk/config';
import { assertDependenciesReachable, runMain } from '@helpdesk/core';
import { createWorkerApp } from './worker-app';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, 'worker');
  await assertDependenciesReachable(config);
  const app = await createWorkerApp(config, logger);
  await app.listen({ port: config.workerHealthPort, host: '0.0.0.0' });
  logger.info({ port: config.workerHealthPort }, 'worker running; health at /health/live and /health/ready');
  // Nest closes every module (queues, connections) on SIGTERM/SIGINT via enableShutdownHooks.
});
