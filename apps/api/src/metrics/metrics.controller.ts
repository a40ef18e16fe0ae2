import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@helpdesk/config';
import { DomainError } from '@helpdesk/domain';
import { ApiProblems } from '../common/api-docs';
import { Public, SkipRateLimit } from '../common/decorators';
import { ApiMetrics } from './api-metrics';

export const METRICS_SECURITY = 'metrics-token';

/** Whether an Authorization header carries the metrics token, compared in constant time. */
export function carriesToken(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!match) return false;
  // Digests of equal length, so that neither the comparison nor its length check leaks the token.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}

/**
 * Prometheus metrics of this api process. Served only when METRICS_TOKEN is set, and then only to
 * a caller that presents it; otherwise the route answers 404 as if it did not exist.
 */
@ApiTags('health')
@Public()
@SkipRateLimit()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ApiMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiBearerAuth(METRICS_SECURITY)
  @ApiOperation({
    summary: 'Prometheus metrics of this api process (only when METRICS_TOKEN is set)',
    description:
      'The Prometheus text format. Requires `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise); without METRICS_TOKEN the api serves no metrics (404). Never rate-limited.',
  })
  @ApiResponse({ status: 200, description: 'The metrics, in the Prometheus text exposition format', content: { 'text/plain': {} } })
  @ApiProblems(401, 404)
  async prometheus(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const token = this.config.metricsToken;
    if (!token) throw new DomainError('not_found', 'This api serves no metrics: METRICS_TOKEN is not set.');
    if (!carriesToken(authorization, token)) {
      void reply.header('WWW-Authenticate', 'Bearer');
      throw new DomainError('unauthenticated', 'The metrics require Authorization: Bearer <METRICS_TOKEN>.');
    }
    void reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
