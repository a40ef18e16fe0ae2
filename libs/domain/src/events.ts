import type { TicketPriority, TicketStatus } from './tickets';

/**
 * The domain events a ticket change publishes (outbox rows, relayed to notifications and
 * webhooks): one declaration per type, with its payload. ADR 0009 holds the contract.
 */

/** Who made the change; the same two fields as the audit row's. */
export interface EventActor {
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
}

export type SlaEventTarget = 'first_response' | 'resolution' | 'next_reply';
export type EscalationEventTrigger = 'first_response_breach' | 'resolution_breach' | 'next_reply_breach' | 'manual';

/** What each event says of the change, besides the envelope every payload carries. */
export interface DomainEventPayloads {
  'ticket.created': {
    status: TicketStatus;
    priority: TicketPriority;
    requester_id: string | null;
    assignee_id: string | null;
    team_id: string | null;
    owner_role: string | null;
  };
  /** Fields whose value changed (SLA bookkeeping left out). */
  'ticket.updated': { fields: string[] };
  'ticket.status_changed': { from: TicketStatus; to: TicketStatus; reason?: 'requester_replied' };
  'ticket.resolved': Record<string, never>;
  'ticket.reopened': { reopen_count: number };
  'ticket.assigned': {
    assignee_id: string | null;
    team_id: string | null;
    previous_assignee_id: string | null;
    previous_team_id: string | null;
    reason: string;
  };
  'ticket.archived': Record<string, never>;
  'ticket.first_responded': { message_id: string; late: boolean };
  /**
   * A reply or an internal note: which one is `visibility`, whose is `author`. Never the body,
   * which the consumer reads by id under the recipient's access (a requester never gets a note).
   */
  'message.created': {
    message_id: string;
    internal: boolean;
    visibility: 'public' | 'internal';
    by_requester: boolean;
    author: EventActor;
  };
  'watcher.added': { user_id: string };
  'watcher.updated': { user_id: string };
  'watcher.removed': { user_id: string };
  'ticket.escalated': {
    from_level: number;
    to_level: number;
    from_role: string | null;
    to_role: string;
    trigger: EscalationEventTrigger;
    reason: string | null;
    chain_exhausted: boolean;
  };
  'ticket.escalation_exhausted': { level: number; owner_role: string | null; trigger: EscalationEventTrigger };
  'ticket.escalation_acknowledged': { escalation_id: string; level: number };
  'ticket.de_escalated': { from_level: number; to_level: number; from_role: string | null; to_role: string; reason: string };
  'sla.near_breach': { target: SlaEventTarget; due_at: string };
  /** `met_late`: the target was met after its due instant, before a worker saw the breach. */
  'sla.breached': { target: SlaEventTarget; due_at: string; met_late?: true };
}

export type DomainEventType = keyof DomainEventPayloads;

/** One event: its type and what it says; the discriminated union of every declared type. */
export type DomainEvent = { [T in DomainEventType]: { type: T; payload: DomainEventPayloads[T] } }[DomainEventType];
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

/**
 * The version of each type's payload. A change that a consumer could misread (a field renamed,
 * removed or given another meaning) bumps the type's version; adding a field does not.
 */
export const EVENT_PAYLOAD_VERSIONS = Object.freeze({
  'ticket.created': 1,
  'ticket.updated': 1,
  'ticket.status_changed': 1,
  'ticket.resolved': 1,
  'ticket.reopened': 1,
  'ticket.assigned': 1,
  'ticket.archived': 1,
  'ticket.first_responded': 1,
  'message.created': 1,
  'watcher.added': 1,
  'watcher.updated': 1,
  'watcher.removed': 1,
  'ticket.escalated': 1,
  'ticket.escalation_exhausted': 1,
  'ticket.escalation_acknowledged': 1,
  'ticket.de_escalated': 1,
  'sla.near_breach': 1,
  'sla.breached': 1,
} as const satisfies Record<DomainEventType, number>);

export const DOMAIN_EVENT_TYPES = Object.keys(EVENT_PAYLOAD_VERSIONS) as DomainEventType[];

/**
 * Types whose consumers are agents only, which alone may carry internal content (a note's body).
 * None yet: a note's body would get its own type (`ticket.internal_note_added`), not a field of
 * `message.created`, which requesters' notifications and webhooks receive.
 */
export const INTERNAL_EVENT_TYPES: ReadonlySet<DomainEventType> = new Set<DomainEventType>();

/** Fields that hold message content: no payload of a non-internal type may have them. */
export const CONTENT_FIELDS = ['body'] as const;

/** Every payload starts with these: enough to route a notification or sign a webhook without reading the ticket. */
export interface EventEnvelope {
  payload_version: number;
  tenant_id: string;
  ticket_id: string;
  actor: EventActor;
}

export type StoredEventPayload<T extends DomainEventType = DomainEventType> = EventEnvelope & DomainEventPayloads[T];

/** The payload an outbox row stores for `event`, raised on `ticket` by `actor`. */
export function storedEventPayload(event: DomainEvent, ticket: { id: string; tenant_id: string }, actor: EventActor): StoredEventPayload {
  const version = EVENT_PAYLOAD_VERSIONS[event.type];
  if (version === undefined) throw new Error(`Undeclared domain event type "${event.type}"`);
  if (!INTERNAL_EVENT_TYPES.has(event.type)) {
    const content = CONTENT_FIELDS.filter((field) => field in event.payload);
    if (content.length) throw new Error(`Event "${event.type}" is not internal and may not carry ${content.join(', ')}`);
  }
  return {
    payload_version: version,
    tenant_id: ticket.tenant_id,
    ticket_id: ticket.id,
    actor: { actor_type: actor.actor_type, actor_id: actor.actor_id },
    ...event.payload,
  } as StoredEventPayload;
}

/** The declared types whose payload has a content field: none may, until a type is made internal. */
export type EventTypesCarryingContent = {
  [T in DomainEventType]: Extract<keyof DomainEventPayloads[T], (typeof CONTENT_FIELDS)[number]> extends never ? never : T;
}[DomainEventType];
