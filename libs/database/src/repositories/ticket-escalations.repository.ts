import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { keyset, Page } from '../pagination';
import { AccessCondition, SqlParams } from '../sql';

export type EscalationTrigger = 'first_response_breach' | 'resolution_breach' | 'next_reply_breach' | 'manual';

export interface TicketEscalationRow {
  id: string;
  tenant_id: string;
  ticket_id: string;
  from_level: number;
  to_level: number;
  from_role: string | null;
  to_role: string;
  trigger: EscalationTrigger;
  breach_key: string;
  reason: string | null;
  chain_exhausted: boolean;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  created_at: Date;
}

export interface EscalationFilter {
  trigger?: EscalationTrigger;
  ticket_id?: string;
  since?: Date;
}

const COLUMNS =
  'id, tenant_id, ticket_id, from_level, to_level, from_role, to_role, trigger, breach_key, reason, chain_exhausted, actor_type, actor_id, acknowledged_at, acknowledged_by, created_at';

/** The escalation log: one row per (ticket, level, breach), enforced by a unique index. */
@Injectable()
export class TicketEscalationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the escalation; null when this (ticket, level, breach) is already logged. */
  async insert(manager: EntityManager, row: Omit<TicketEscalationRow, 'id' | 'acknowledged_at' | 'acknowledged_by'>): Promise<TicketEscalationRow | null> {
    const rows = await manager.query(
      `INSERT INTO ticket_escalations (tenant_id, ticket_id, from_level, to_level, from_role, to_role, trigger, breach_key, reason, chain_exhausted, actor_type, actor_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (ticket_id, to_level, breach_key) DO NOTHING RETURNING ${COLUMNS}`,
      [
        row.tenant_id,
        row.ticket_id,
        row.from_level,
        row.to_level,
        row.from_role,
        row.to_role,
        row.trigger,
        row.breach_key,
        row.reason,
        row.chain_exhausted,
        row.actor_type,
        row.actor_id,
        row.created_at,
      ],
    );
    return rows[0] ?? null;
  }

  /** The latest escalation of a ticket for a breach, or of any breach. */
  async latest(manager: EntityManager, tenantId: string, ticketId: string, breachKey?: string): Promise<TicketEscalationRow | null> {
    const rows = await manager.query(
      `SELECT ${COLUMNS} FROM ticket_escalations WHERE tenant_id = $1 AND ticket_id = $2 AND ($3::text IS NULL OR breach_key = $3)
       ORDER BY created_at DESC, to_level DESC LIMIT 1`,
      [tenantId, ticketId, breachKey ?? null],
    );
    return rows[0] ?? null;
  }

  async acknowledge(manager: EntityManager, id: string, userId: string | null, at: Date): Promise<void> {
    await manager.query('UPDATE ticket_escalations SET acknowledged_at = $2, acknowledged_by = $3 WHERE id = $1 AND acknowledged_at IS NULL', [id, at, userId]);
  }

  async forTicket(tenantId: string, ticketId: string): Promise<TicketEscalationRow[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM ticket_escalations WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY created_at, to_level`, [
      tenantId,
      ticketId,
    ]);
  }

  /** Recent escalations, newest first, of the tickets the caller may see (`access` on alias `t`). */
  async list(tenantId: string, filter: EscalationFilter, access: AccessCondition, limit: number, cursor?: string): Promise<Page<TicketEscalationRow>> {
    const page = keyset({ cursor: 'rows', table: 'ticket_escalations', descending: true }, 'e', tenantId, { limit, cursor });
    const params = new SqlParams();
    const where = [`e.tenant_id = ${params.add(tenantId)}`, `(${params.named(access.sql, access.params)})`];
    if (filter.trigger) where.push(`e.trigger = ${params.add(filter.trigger)}`);
    if (filter.ticket_id) where.push(`e.ticket_id = ${params.add(filter.ticket_id)}`);
    if (filter.since) where.push(`e.created_at >= ${params.add(filter.since)}`);
    if (page.after) where.push(params.named(page.after.sql, page.after.params));
    const rows: TicketEscalationRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS.split(', ')
        .map((c) => `e.${c}`)
        .join(', ')} FROM ticket_escalations e JOIN tickets t ON t.id = e.ticket_id AND t.tenant_id = e.tenant_id
       WHERE ${where.join(' AND ')} ORDER BY ${page.orderBy} LIMIT ${params.add(page.fetch)}`,
      params.values,
    );
    return page.page(rows, this.dataSource);
  }
}
