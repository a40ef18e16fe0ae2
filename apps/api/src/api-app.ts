import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger as Pino } from 'pino';
import { AppConfig, PinoNestLogger } from '@helpdesk/config';
import { ApiModule } from './api.module';
import { useJsonBodyParser } from './common/json-body';

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
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
  });
  app.setGlobalPrefix('api/v1', { exclude: ['health/live', 'health/ready'] });
  app.enableShutdownHooks([], { useProcessExit: true });

  const fastify = app.getHttpAdapter().getInstance();
  // The API speaks JSON: any other body is a 415, not a string for the validators to trip on.
  fastify.removeContentTypeParser(['text/plain']);
  // JSON bodies nested deeper than MAX_JSON_DEPTH are a 422 before they are parsed.
  useJsonBodyParser(app);
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Helpdesk API')
      .setDescription(
        'Tickets, SLAs and escalations for agents, requesters and systems. Errors are RFC 9457 problem details ' +
          '(application/problem+json); lists paginate by keyset (`limit`, `cursor` → `next_cursor`).',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  await app.init();
  return app;
}
