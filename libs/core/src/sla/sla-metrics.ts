import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The worker's SLA figures, in a registry of its own (served at the worker's /metrics). */
@Injectable()
export class SlaMetrics {
  readonly registry = new Registry();
  readonly sweepDuration = new Histogram({
    name: 'helpdesk_sla_sweep_duration_seconds',
    help: 'Duration of one SLA sweep',
    buckets: [0.005, 0.02, 0.1, 0.5, 1, 3, 10, 30, 120],
    registers: [this.registry],
  });
  readonly ticketsExamined = new Counter({
    name: 'helpdesk_sla_tickets_examined_total',
    help: 'Tickets whose SLA was evaluated',
    labelNames: ['source'],
    registers: [this.registry],
  });
  readonly checkFailures = new Counter({
    name: 'helpdesk_sla_check_failures_total',
    help: 'SLA checks of a ticket that threw',
    labelNames: ['source'],
    registers: [this.registry],
  });
  readonly escalations = new Counter({
    name: 'helpdesk_sla_escalations_total',
    help: 'Escalations made by the SLA worker',
    labelNames: ['trigger'],
    registers: [this.registry],
  });
  readonly breachLag = new Histogram({
    name: 'helpdesk_sla_breach_action_lag_seconds',
    help: 'Time between a breach instant and the worker acting on it',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'helpdesk_worker_' });
  }
}
