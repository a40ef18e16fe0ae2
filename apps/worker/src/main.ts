import 'reflect-metadata';
import { createLogger, loadConfig } from '@helpdesk/config';
import { assertDependenciesReachable, letShutdownFinishOnRepeatedSignals, listeningUrl, runMain } from '@helpdesk/core';
import { createWorkerApp } from './worker-app';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, 'worker');
  await assertDependenciesReachable(config);
  const app = await createWorkerApp(config, logger);
  await app.listen({ port: config.workerHealthPort, host: config.workerHealthHost });
  letShutdownFinishOnRepeatedSignals();
  const url = listeningUrl(app.getHttpServer().address(), config.workerHealthHost);
  logger.info({ url }, `worker running; health at ${url}/health/live and /health/ready`);
  // Nest closes every module (queues, connections) on SIGTERM/SIGINT via enableShutdownHooks.
});
