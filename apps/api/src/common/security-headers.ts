import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@helpdesk/config';

/** Where SwaggerModule serves its UI and the document (see api-app.ts). */
const DOCS_PREFIX = '/docs';

/**
 * The Swagger UI page loads its scripts and styles from /docs itself, has one inline <style>
 * block, data: images in its CSS, and calls the API from "Try it out": Helmet's default policy
 * allows exactly that, less `upgrade-insecure-requests`, which would break the page on a plain
 * http deployment or on localhost.
 */
const DOCS_POLICY = { useDefaults: true, directives: { upgradeInsecureRequests: null } };

/**
 * Security headers on every answer (Helmet's defaults: nosniff, frame and referrer policies,
 * HSTS, ...). The API serves JSON only, so its content policy forbids everything; only the
 * Swagger UI under /docs gets a policy that lets the page render.
 */
export async function useSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // Must be added before SwaggerModule.setup registers the /docs routes.
  fastify.addHook('onRoute', (route) => {
    if (route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`)) {
      route.config = { ...route.config, helmet: { contentSecurityPolicy: DOCS_POLICY } } as typeof route.config;
    }
  });
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  });
}

/** Headers a browser client reads from answers: concurrency, created resources, tracing, rate limits. */
const EXPOSED_HEADERS = ['ETag', 'Location', 'x-request-id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After'];
const ALLOWED_HEADERS = ['authorization', 'content-type', 'if-match', 'idempotency-key', 'x-api-key', 'x-request-id'];

/**
 * CORS for the origins in CORS_ORIGINS, matched exactly; with none configured nothing is
 * registered and browsers keep the same-origin policy. Another origin gets no CORS header at all
 * (its preflight is a 404), not a header naming an origin it is not.
 */
export function useCors(app: NestFastifyApplication, config: Pick<AppConfig, 'corsOrigins'>): void {
  if (config.corsOrigins.length === 0) return;
  const allowed = new Set(config.corsOrigins);
  app.enableCors({
    origin: (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) =>
      callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
