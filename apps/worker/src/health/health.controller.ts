import { Controller, Get, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { ReadinessService, SlaMetrics } from '@helpdesk/core';

/** The worker's only HTTP surface: liveness and readiness probes, and Prometheus metrics. */
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly metrics: SlaMetrics,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const { ready, report } = await this.readiness.check();
    if (!ready) void reply.status(503);
    return report;
  }

  @Get('metrics')
  async prometheus(@Res({ passthrough: true }) reply: FastifyReply) {
    void reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
