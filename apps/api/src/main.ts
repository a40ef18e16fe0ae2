import 'reflect-metadata';
import { createLogger, loadConfig } from '@helpdesk/config';
import { assertDependenciesReachable, letShutdownFinishOnRepeatedSignals, listeningUrl, runMain } from '@helpdesk/core';
import { createApiApp } from './api-app';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, 'api');
  await assertDependenciesReachable(config);
  const app = await createApiApp(config, logger);
  await app.listen({ port: config.apiPort, host: config.apiHost });
  letShutdownFinishOnRepeatedSignals();
  const url = listeningUrl(app.getHttpServer().address(), config.apiHost);
  logger.info({ url }, `api listening on ${url} (docs at /docs)`);
});
