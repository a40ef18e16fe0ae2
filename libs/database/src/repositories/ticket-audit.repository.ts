import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditChainRow, auditHash, AuditContent } from '@helpdesk/domain';
import { keyset, PageRequest } from '../pagination';
import { SqlParams } from '../sql';

export type AuditEntry = Omit<AuditContent, 'id' | 'created_at'>;

export interface AuditPage {
  data: AuditChainRow[];
  next_cursor: string | null;
}

const COLUMNS = 'id, seq, tenant_id, ticket_id, actor_type, actor_id, action, changes, ip, request_id, created_at, prev_hash, hash';

function toRow(raw: Record<string, unknown>): AuditChainRow {
  return { ...(raw as unknown as AuditChainRow), seq: Number(raw.seq) };
}

/** The append-only, hash-chained trail of each ticket. Callers hold the ticket's row lock. */
@Injectable()
export class TicketAuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async append(manager: EntityManager, entry: AuditEntry, at: Date): Promise<void> {
    const [last] = await manager.query('SELECT hash FROM ticket_audit WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY seq DESC LIMIT 1', [
      entry.tenant_id,
      entry.ticket_id,
    ]);
    // Hash what the database will give back: JSON round-trips the changes (dates become strings).
    const content: AuditContent = { ...entry, id: randomUUID(), changes: JSON.parse(JSON.stringify(entry.changes)), created_at: at };
    const prevHash: string | null = last?.hash ?? null;
    await manager.query(
      `INSERT INTO ticket_audit (id, tenant_id, ticket_id, actor_type, actor_id, action, changes, ip, request_id, created_at, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12)`,
      [
        content.id,
        content.tenant_id,
        content.ticket_id,
        content.actor_type,
        content.actor_id,
        content.action,
        JSON.stringify(content.changes),
        content.ip,
        content.request_id,
        at,
        prevHash,
        auditHash(prevHash, content),
      ],
    );
  }

  /** A page of the trail in seq order; the cursor is a seq cursor (a 422 when malformed). */
  async page(tenantId: string, ticketId: string, request: PageRequest): Promise<AuditPage> {
    const page = keyset({ cursor: 'seq', column: 'seq' }, 'a', tenantId, request);
    const params = new SqlParams();
    const where = [`a.tenant_id = ${params.add(tenantId)}`, `a.ticket_id = ${params.add(ticketId)}`];
    if (page.after) where.push(params.named(page.after.sql, page.after.params));
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ticket_audit a WHERE ${where.join(' AND ')} ORDER BY ${page.orderBy} LIMIT ${params.add(page.fetch)}`,
      params.values,
    );
    return page.page(rows.map(toRow), this.dataSource);
  }

  async chain(tenantId: string, ticketId: string): Promise<AuditChainRow[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ticket_audit WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY seq`,
      [tenantId, ticketId],
    );
    return rows.map(toRow);
  }
}
