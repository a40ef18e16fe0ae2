import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OutboxRepository, SlaEventKind, SlaEventsRepository, SlaTarget, TicketAuditRepository } from '@helpdesk/database';
import { DomainEvent, storedEventPayload } from '@helpdesk/domain';
import { Origin } from '../access/actor';

/**
 * Writes what every ticket change leaves behind, inside the change's own transaction: the audit
 * row (hash-chained) and the outbox events. Nothing is recorded if the change rolls back. The
 * only writer of outbox rows: every event gets the same envelope (ADR 0009).
 */
@Injectable()
export class TicketRecorder {
  constructor(
    private readonly audit: TicketAuditRepository,
    private readonly outbox: OutboxRepository,
    private readonly slaEvents: SlaEventsRepository,
  ) {}

  /** A moment of the ticket's SLA clock, for its SLA log (GET /tickets/:id/sla). */
  async slaEvent(
    manager: EntityManager,
    ticket: { id: string; tenant_id: string },
    kind: SlaEventKind,
    target: SlaTarget | null,
    details: Record<string, unknown>,
    at: Date,
  ): Promise<void> {
    await this.slaEvents.record(manager, { tenant_id: ticket.tenant_id, ticket_id: ticket.id, kind, target, details, window_key: null, occurred_at: at });
  }

  /** A change of the ticket: its audit row, then its events. */
  async record(
    manager: EntityManager,
    origin: Origin,
    ticket: { id: string; tenant_id: string },
    action: string,
    changes: Record<string, unknown>,
    events: DomainEvent[],
    at: Date,
  ): Promise<void> {
    await this.audit.append(
      manager,
      {
        tenant_id: ticket.tenant_id,
        ticket_id: ticket.id,
        actor_type: origin.actor_type,
        actor_id: origin.actor_id,
        action,
        changes,
        ip: origin.ip,
        request_id: origin.request_id,
      },
      at,
    );
    await this.publish(manager, origin, ticket, events, at);
  }

  /** Events that leave no audit row (the SLA clock's near breaches and breaches). */
  async publish(manager: EntityManager, origin: Origin, ticket: { id: string; tenant_id: string }, events: DomainEvent[], at: Date): Promise<void> {
    for (const event of events) {
      const payload = storedEventPayload(event, ticket, origin);
      await this.outbox.add(
        manager,
        { tenant_id: ticket.tenant_id, aggregate_type: 'ticket', aggregate_id: ticket.id, type: event.type, payload: { ...payload } },
        at,
      );
    }
  }
}

/** `{ field: { old, new } }` for the fields whose value differs. */
export function diff(before: object, after: object): Record<string, { old: unknown; new: unknown }> {
  const changes: Record<string, { old: unknown; new: unknown }> = {};
  for (const [key, value] of Object.entries(after)) {
    const old = (before as Record<string, unknown>)[key];
    if (JSON.stringify(old) !== JSON.stringify(value)) changes[key] = { old: old ?? null, new: value ?? null };
  }
  return changes;
}
