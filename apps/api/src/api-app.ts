import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Logger as Pino } from 'pino';
import { AppConfig, PinoNestLogger } from '@helpdesk/config';
import { ApiModule } from './api.module';
import { buildOpenApiDocument } from './common/api-docs';
import { problemFromStatus } from './common/problem-details';
import { sendProblem } from './common/problem-details.filter';
import { useJsonBodyParser } from './common/json-body';
import { useRequestMetrics } from './metrics/request-metrics';
import { useCors, useSecurityHeaders } from './common/security-headers';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the api (used by main.ts and by the e2e tests), ready to listen. */
export async function createApiApp(config: AppConfig, logger: Pino): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // A caller's own x-request-id is kept when it is sane, so that traces join up across systems.
    genReqId: (request: IncomingMessage) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // Errors Fastify answers before any route runs (a URL that is not valid percent-encoding, a
    // path parameter over maxParamLength) are problem details like every other answer.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      sendProblem(reply, request, problemFromStatus(status, status === 414 ? 'A path segment of the URL is too long.' : 'The URL is not valid.'));
    },
    // The client address (rate limits, login back-off) is the TCP peer's, unless the peer is a
    // proxy named in TRUST_PROXY: only then does X-Forwarded-For count.
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
  });
  app.setGlobalPrefix('api/v1', { exclude: ['health/live', 'health/ready', 'metrics'] });
  app.enableShutdownHooks([], { useProcessExit: true });

  const fastify = app.getHttpAdapter().getInstance();
  // The API speaks JSON: any other body is a 415, not a string for the validators to trip on.
  fastify.removeContentTypeParser(['text/plain']);
  // JSON bodies nested deeper than MAX_JSON_DEPTH are a 422 before they are parsed.
  useJsonBodyParser(app);
  useRequestMetrics(app);
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  await useSecurityHeaders(app);
  useCors(app, config);

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  await app.init();
  return app;
}
