import { Injectable, Logger } from '@nestjs/common';
import { TicketsRepository } from '@helpdesk/database';
import { SlaMetrics } from './sla-metrics';
import { SlaMonitorService } from './sla-monitor.service';

export interface SweepReport {
  examined: number;
  escalations: number;
  /** Tickets whose check threw: logged, left due (their next_sla_check_at unchanged) for the next sweep. */
  failed: number;
  duration_ms: number;
  /** The sweep stopped early because its lock was lost. */
  aborted: boolean;
}

/**
 * The safety net behind the per-ticket timers: every open ticket whose next check is overdue
 * (timers lost with Redis, a worker down, a clock jump), paged by the partial index on
 * (next_sla_check_at, id). Proportional to what is due, not to the table.
 */
@Injectable()
export class SlaSweepService {
  private readonly logger = new Logger(SlaSweepService.name);

  constructor(
    private readonly tickets: TicketsRepository,
    private readonly monitor: SlaMonitorService,
    private readonly metrics: SlaMetrics,
  ) {}

  /** `concurrency` tickets of a page are checked at once (each in its own transaction). */
  async sweep(options: { batchSize: number; concurrency?: number; signal?: AbortSignal; now?: Date }): Promise<SweepReport> {
    const started = Date.now();
    const now = options.now ?? new Date();
    let after: { at: Date; id: string } | null = null;
    let examined = 0;
    let escalations = 0;
    let failed = 0;
    while (!options.signal?.aborted) {
      const due = await this.tickets.dueForSlaCheck(now, options.batchSize, after);
      let next = 0;
      const lane = async () => {
        while (next < due.length && !options.signal?.aborted) {
          const ticket = due[next++];
          try {
            const result = await this.monitor.checkTicket(ticket.tenant_id, ticket.id, 'sweep', new Date());
            examined += 1;
            escalations += result.escalations;
          } catch (error) {
            // One ticket must not cost the others their check. Its transaction rolled back, so it
            // stays due and the next sweep tries it again.
            failed += 1;
            this.metrics.checkFailures.inc({ source: 'sweep' });
            const reason = error instanceof Error ? error.message : String(error);
            this.logger.error(`SLA check of ticket ${ticket.id} (tenant ${ticket.tenant_id}) failed; it stays due for the next sweep: ${reason}`);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, lane));
      if (due.length < options.batchSize) break;
      const last = due[due.length - 1];
      after = { at: last.next_sla_check_at, id: last.id };
    }
    const duration_ms = Date.now() - started;
    this.metrics.sweepDuration.observe(duration_ms / 1000);
    return { examined, escalations, failed, duration_ms, aborted: options.signal?.aborted ?? false };
  }
}
