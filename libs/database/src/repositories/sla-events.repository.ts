import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export type SlaEventKind = 'applied' | 'paused' | 'resumed' | 'near_breach' | 'breached' | 'met' | 'escalated' | 'acknowledged';
export type SlaTarget = 'first_response' | 'next_reply' | 'resolution';

export interface SlaEventRow {
  id: string;
  tenant_id: string;
  ticket_id: string;
  kind: SlaEventKind;
  target: SlaTarget | null;
  details: Record<string, unknown>;
  window_key: string | null;
  occurred_at: Date;
}

/** The log of a ticket's SLA clock. Events with a window key happen once per ticket and window. */
@Injectable()
export class SlaEventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records the event; false when an event of this kind was already recorded for the window. */
  async record(manager: EntityManager, event: Omit<SlaEventRow, 'id'>): Promise<boolean> {
    const rows = await manager.query(
      `INSERT INTO sla_events (tenant_id, ticket_id, kind, target, details, window_key, occurred_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
       ON CONFLICT (ticket_id, kind, window_key) WHERE window_key IS NOT NULL DO NOTHING RETURNING id`,
      [event.tenant_id, event.ticket_id, event.kind, event.target, JSON.stringify(event.details), event.window_key, event.occurred_at],
    );
    return rows.length > 0;
  }

  async forTicket(tenantId: string, ticketId: string): Promise<SlaEventRow[]> {
    return this.dataSource.query(
      'SELECT id, tenant_id, ticket_id, kind, target, details, window_key, occurred_at FROM sla_events WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY occurred_at, id',
      [tenantId, ticketId],
    );
  }
}
