import { Controller, Get, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReadinessService } from '@helpdesk/core';
import { Public, SkipRateLimit } from '../common/decorators';

@ApiTags('health')
@Public()
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'PostgreSQL and Redis answer (503 otherwise)' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const { ready, report } = await this.readiness.check();
    if (!ready) void reply.status(503);
    return report;
  }
}
