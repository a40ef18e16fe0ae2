import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface OutboxEvent {
  tenant_id: string;
  aggregate_type: string;
  aggregate_id: string;
  type: string;
  payload: Record<string, unknown>;
}

/** Domain events, written in the transaction of the change they describe; the worker relays them. */
@Injectable()
export class OutboxRepository {
  async add(manager: EntityManager, event: OutboxEvent, at: Date): Promise<void> {
    await manager.query(
      'INSERT INTO outbox_events (tenant_id, aggregate_type, aggregate_id, type, payload, created_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6)',
      [event.tenant_id, event.aggregate_type, event.aggregate_id, event.type, JSON.stringify(event.payload), at],
    );
  }
}
