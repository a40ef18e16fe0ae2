import 'reflect-metadata';
import { createLogger, loadConfig } from '@helpdesk/config';
import { assertDependenciesReachable, runMain } from '@helpdesk/core';
import { createApiApp } from './api-app';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, 'api');
  await assertDependenciesReachable(config);
  const app = await createApiApp(config, logger);
  await app.listen({ port: config.apiPort, host: '0.0.0.0' });
  logger.info({ port: config.apiPort }, `api listening on http://127.0.0.1:${config.apiPort} (docs at /docs)`);
});
