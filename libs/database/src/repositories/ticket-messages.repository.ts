import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { keyset, Page } from '../pagination';
import { AccessCondition, SqlParams } from '../sql';

export interface TicketMessageRow {
  id: string;
  tenant_id: string;
  ticket_id: string;
  author_id: string | null;
  author_api_key_id: string | null;
  body: string;
  internal: boolean;
  attachment_ids: string[];
  created_at: Date;
}

const COLUMNS = 'id, tenant_id, ticket_id, author_id, author_api_key_id, body, internal, attachment_ids, created_at';

@Injectable()
export class TicketMessagesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, message: Omit<TicketMessageRow, 'id'>): Promise<TicketMessageRow> {
    const [row] = await manager.query(
      `INSERT INTO ticket_messages (tenant_id, ticket_id, author_id, author_api_key_id, body, internal, attachment_ids, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [
        message.tenant_id,
        message.ticket_id,
        message.author_id,
        message.author_api_key_id,
        message.body,
        message.internal,
        message.attachment_ids,
        message.created_at,
      ],
    );
    return row;
  }

  /** A ticket's messages, oldest first, filtered by the caller's access condition on alias `m`. */
  async list(tenantId: string, ticketId: string, access: AccessCondition, limit: number, cursor?: string): Promise<Page<TicketMessageRow>> {
    const page = keyset({ cursor: 'rows', table: 'ticket_messages' }, 'm', tenantId, { limit, cursor });
    const params = new SqlParams();
    const where = [`m.tenant_id = ${params.add(tenantId)}`, `m.ticket_id = ${params.add(ticketId)}`, `(${params.named(access.sql, access.params)})`];
    if (page.after) where.push(params.named(page.after.sql, page.after.params));
    const rows: TicketMessageRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS.split(', ')
        .map((c) => `m.${c}`)
        .join(', ')} FROM ticket_messages m WHERE ${where.join(' AND ')}
       ORDER BY ${page.orderBy} LIMIT ${params.add(page.fetch)}`,
      params.values,
    );
    return page.page(rows, this.dataSource);
  }
}
