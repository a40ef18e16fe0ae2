import 'reflect-metadata';
import { createLogger, loadConfig } from '@helpdesk/config';
import { assertDependenciesReachable, letShutdownFinishOnRepeatedSignals, listeningUrl, runMain } from '@helpdesk/core';
import { JobContractError } from '@helpdesk/queue';
import { createWorkerApp } from './worker-app';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, 'worker');
  await assertDependenciesReachable(config);
  const app = await createWorkerApp(config, logger).catch((error: unknown) => {
    // A queue or job without its handler: one line, as for a missing dependency.
    if (!(error instanceof JobContractError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
  await app.listen({ port: config.workerHealthPort, host: config.workerHealthHost });
  letShutdownFinishOnRepeatedSignals();
  const url = listeningUrl(app.getHttpServer().address(), config.workerHealthHost);
  logger.info({ url }, `worker running; health at ${url}/health/live and /health/ready`);
  // Nest closes every module (queues, connections) on SIGTERM/SIGINT via enableShutdownHooks.
});
