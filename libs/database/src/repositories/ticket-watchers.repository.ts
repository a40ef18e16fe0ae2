import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface TicketWatcherRow {
  id: string;
  tenant_id: string;
  ticket_id: string;
  user_id: string;
  notify_email: boolean;
  notify_push: boolean;
  notify_sms: boolean;
  created_at: Date;
}

export type WatcherPreferences = Pick<TicketWatcherRow, 'notify_email' | 'notify_push' | 'notify_sms'>;

const COLUMNS = 'id, tenant_id, ticket_id, user_id, notify_email, notify_push, notify_sms, created_at';

@Injectable()
export class TicketWatchersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds the watcher; returns null when the user already watches the ticket. */
  async add(
    manager: EntityManager,
    tenantId: string,
    ticketId: string,
    userId: string,
    preferences: Partial<WatcherPreferences>,
    at: Date,
  ): Promise<TicketWatcherRow | null> {
    const rows = await manager.query(
      `INSERT INTO ticket_watchers (tenant_id, ticket_id, user_id, notify_email, notify_push, notify_sms, created_at)
       VALUES ($1, $2, $3, COALESCE($4, true), COALESCE($5, false), COALESCE($6, false), $7)
       ON CONFLICT (ticket_id, user_id) DO NOTHING RETURNING ${COLUMNS}`,
      [tenantId, ticketId, userId, preferences.notify_email ?? null, preferences.notify_push ?? null, preferences.notify_sms ?? null, at],
    );
    return rows[0] ?? null;
  }

  async find(tenantId: string, ticketId: string, userId: string, manager: EntityManager = this.dataSource.manager): Promise<TicketWatcherRow | null> {
    const rows = await manager.query(`SELECT ${COLUMNS} FROM ticket_watchers WHERE tenant_id = $1 AND ticket_id = $2 AND user_id = $3`, [
      tenantId,
      ticketId,
      userId,
    ]);
    return rows[0] ?? null;
  }

  async update(
    manager: EntityManager,
    tenantId: string,
    ticketId: string,
    userId: string,
    preferences: Partial<WatcherPreferences>,
  ): Promise<TicketWatcherRow | null> {
    const [rows] = await manager.query(
      `UPDATE ticket_watchers SET notify_email = COALESCE($4, notify_email), notify_push = COALESCE($5, notify_push), notify_sms = COALESCE($6, notify_sms)
       WHERE tenant_id = $1 AND ticket_id = $2 AND user_id = $3 RETURNING ${COLUMNS}`,
      [tenantId, ticketId, userId, preferences.notify_email ?? null, preferences.notify_push ?? null, preferences.notify_sms ?? null],
    );
    return rows[0] ?? null;
  }

  async remove(manager: EntityManager, tenantId: string, ticketId: string, userId: string): Promise<boolean> {
    const [, count] = await manager.query('DELETE FROM ticket_watchers WHERE tenant_id = $1 AND ticket_id = $2 AND user_id = $3', [tenantId, ticketId, userId]);
    return count > 0;
  }

  /** Watchers of one ticket (a ticket has tens, not thousands: no pagination needed). */
  async list(tenantId: string, ticketId: string): Promise<TicketWatcherRow[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM ticket_watchers WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY created_at, id`, [
      tenantId,
      ticketId,
    ]);
  }
}
