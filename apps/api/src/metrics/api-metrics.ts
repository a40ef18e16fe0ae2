import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestLabels } from './request-labels';

/** The api's figures, in a registry of its own (served at /metrics when METRICS_TOKEN is set). */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram<keyof RequestLabels>({
    name: 'helpdesk_api_http_request_duration_seconds',
    help: 'Duration of HTTP requests, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly requests = new Counter<keyof RequestLabels>({
    name: 'helpdesk_api_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly rateLimited = new Counter<'credential'>({
    name: 'helpdesk_api_rate_limited_total',
    help: 'Requests refused by the rate limit (429), by credential kind: user, api_key or anonymous',
    labelNames: ['credential'],
    registers: [this.registry],
  });
  readonly loginBackoffRefusals = new Counter({
    name: 'helpdesk_api_login_backoff_refusals_total',
    help: 'Logins refused (429) while a failed-login lockout held',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'helpdesk_api_' });
  }

  observeRequest(labels: RequestLabels, seconds: number): void {
    this.requests.inc(labels);
    this.requestDuration.observe(labels, seconds);
  }
}
