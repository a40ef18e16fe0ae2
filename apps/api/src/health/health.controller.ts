import { Controller, Get, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ReadinessService } from '@helpdesk/core';
import { ApiResult } from '../common/api-docs';
import { Public, SkipRateLimit } from '../common/decorators';

const READINESS = {
  type: 'object',
  description: 'The Terminus report: status, and info, error and details per dependency',
  properties: { status: { type: 'string', enum: ['ok', 'error'] } },
  additionalProperties: true,
};

@ApiTags('health')
@Public()
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up', description: 'Liveness probe: answers 200 while the process runs; never rate-limited.' })
  @ApiResult(200, { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'PostgreSQL and Redis answer (503 otherwise)',
    description: 'Readiness probe: the Terminus report of each dependency, 200 when all answer and 503 otherwise; never rate-limited.',
  })
  @ApiResult(200, READINESS, 'Every dependency answers')
  @ApiResponse({ status: 503, description: 'A dependency does not answer; the report says which', content: { 'application/json': { schema: READINESS } } })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const { ready, report } = await this.readiness.check();
    if (!ready) void reply.status(503);
    return report;
  }
}
