import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiMetrics } from './api-metrics';
import { requestLabels } from './request-labels';

/**
 * Counts every answer in Fastify's onResponse hook, so that those given before Nest runs (404 of
 * an unknown path, 400/413/415 of a body or URL Fastify refuses) count like the others.
 */
export function useRequestMetrics(app: NestFastifyApplication): void {
  const metrics = app.get(ApiMetrics);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', async (request, reply) => {
      metrics.observeRequest(requestLabels(request.method, request.routeOptions.url, reply.statusCode), reply.elapsedTime / 1000);
    });
}
