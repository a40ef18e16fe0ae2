import { Controller, Get, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { ReadinessService } from '@helpdesk/core';

/** The worker's only HTTP surface, for orchestrators' liveness and readiness probes. */
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const { ready, report } = await this.readiness.check();
    if (!ready) void reply.status(503);
    return report;
  }
}
