import {
  CONTENT_FIELDS,
  DOMAIN_EVENT_TYPES,
  DomainEvent,
  EVENT_PAYLOAD_VERSIONS,
  EventActor,
  EventTypesCarryingContent,
  INTERNAL_EVENT_TYPES,
  storedEventPayload,
} from './events';

const ticket = { id: 'tk-1', tenant_id: 'tn-1' };
const agent: EventActor = { actor_type: 'user', actor_id: 'u-1' };
const system: EventActor = { actor_type: 'system', actor_id: null };
const envelope = (actor: EventActor) => ({ payload_version: 1, tenant_id: 'tn-1', ticket_id: 'tk-1', actor });

// One event of every type, and the payload its outbox row must store: written out by hand.
const CASES: Array<[DomainEvent, EventActor, Record<string, unknown>]> = [
  [
    { type: 'ticket.created', payload: { status: 'new', priority: 'high', requester_id: 'u-2', assignee_id: null, team_id: 'tm-1', owner_role: 'ops_agent' } },
    agent,
    { ...envelope(agent), status: 'new', priority: 'high', requester_id: 'u-2', assignee_id: null, team_id: 'tm-1', owner_role: 'ops_agent' },
  ],
  [{ type: 'ticket.updated', payload: { fields: ['title', 'tags'] } }, agent, { ...envelope(agent), fields: ['title', 'tags'] }],
  [{ type: 'ticket.status_changed', payload: { from: 'new', to: 'open' } }, agent, { ...envelope(agent), from: 'new', to: 'open' }],
  [
    { type: 'ticket.status_changed', payload: { from: 'awaiting_customer', to: 'open', reason: 'requester_replied' } },
    agent,
    { ...envelope(agent), from: 'awaiting_customer', to: 'open', reason: 'requester_replied' },
  ],
  [{ type: 'ticket.resolved', payload: {} }, agent, envelope(agent)],
  [{ type: 'ticket.reopened', payload: { reopen_count: 2 } }, agent, { ...envelope(agent), reopen_count: 2 }],
  [
    { type: 'ticket.assigned', payload: { assignee_id: 'u-3', team_id: 'tm-2', previous_assignee_id: null, previous_team_id: 'tm-1', reason: 'Their queue' } },
    agent,
    { ...envelope(agent), assignee_id: 'u-3', team_id: 'tm-2', previous_assignee_id: null, previous_team_id: 'tm-1', reason: 'Their queue' },
  ],
  [{ type: 'ticket.archived', payload: {} }, agent, envelope(agent)],
  [{ type: 'ticket.first_responded', payload: { message_id: 'm-1', late: true } }, agent, { ...envelope(agent), message_id: 'm-1', late: true }],
  [
    { type: 'message.created', payload: { message_id: 'm-2', internal: true, visibility: 'internal', by_requester: false, author: agent } },
    agent,
    { ...envelope(agent), message_id: 'm-2', internal: true, visibility: 'internal', by_requester: false, author: agent },
  ],
  [{ type: 'watcher.added', payload: { user_id: 'u-4' } }, agent, { ...envelope(agent), user_id: 'u-4' }],
  [{ type: 'watcher.updated', payload: { user_id: 'u-4' } }, agent, { ...envelope(agent), user_id: 'u-4' }],
  [{ type: 'watcher.removed', payload: { user_id: 'u-4' } }, agent, { ...envelope(agent), user_id: 'u-4' }],
  [
    {
      type: 'ticket.escalated',
      payload: {
        from_level: 0,
        to_level: 1,
        from_role: 'ops_agent',
        to_role: 'ops_manager',
        trigger: 'first_response_breach',
        reason: null,
        chain_exhausted: false,
      },
    },
    system,
    {
      ...envelope(system),
      from_level: 0,
      to_level: 1,
      from_role: 'ops_agent',
      to_role: 'ops_manager',
      trigger: 'first_response_breach',
      reason: null,
      chain_exhausted: false,
    },
  ],
  [
    { type: 'ticket.escalation_exhausted', payload: { level: 2, owner_role: 'hq_support', trigger: 'manual' } },
    agent,
    { ...envelope(agent), level: 2, owner_role: 'hq_support', trigger: 'manual' },
  ],
  [{ type: 'ticket.escalation_acknowledged', payload: { escalation_id: 'e-1', level: 1 } }, agent, { ...envelope(agent), escalation_id: 'e-1', level: 1 }],
  [
    { type: 'ticket.de_escalated', payload: { from_level: 2, to_level: 1, from_role: 'hq_support', to_role: 'ops_manager', reason: 'handled' } },
    agent,
    { ...envelope(agent), from_level: 2, to_level: 1, from_role: 'hq_support', to_role: 'ops_manager', reason: 'handled' },
  ],
  [
    { type: 'sla.near_breach', payload: { target: 'first_response', due_at: '2026-12-01T10:00:00.000Z' } },
    system,
    { ...envelope(system), target: 'first_response', due_at: '2026-12-01T10:00:00.000Z' },
  ],
  [
    { type: 'sla.breached', payload: { target: 'resolution', due_at: '2026-12-01T10:00:00.000Z', met_late: true } },
    system,
    { ...envelope(system), target: 'resolution', due_at: '2026-12-01T10:00:00.000Z', met_late: true },
  ],
];

describe('domain events', () => {
  it.each(CASES.map(([event, actor, stored]) => [event.type, event, actor, stored] as const))(
    '%s stores its envelope and its change',
    (_type, event, actor, stored) => {
      expect(storedEventPayload(event, ticket, actor)).toEqual(stored);
    },
  );

  it('has a case for every declared type, and a version for each', () => {
    expect(new Set(CASES.map(([event]) => event.type))).toEqual(new Set(DOMAIN_EVENT_TYPES));
    expect(DOMAIN_EVENT_TYPES.every((type) => Number.isInteger(EVENT_PAYLOAD_VERSIONS[type]) && EVENT_PAYLOAD_VERSIONS[type] >= 1)).toBe(true);
  });

  it('no payload names an envelope field (ticket, tenant, actor, version)', () => {
    // Payload fields come after the envelope, so the declared payloads must not name envelope fields.
    for (const [event] of CASES)
      expect(Object.keys(event.payload).filter((key) => ['payload_version', 'tenant_id', 'ticket_id', 'actor'].includes(key))).toEqual([]);
  });

  it('no public event type can carry a note body', () => {
    // At compile time (npm run typecheck): no declared payload has a content field.
    const noneCarriesContent: [EventTypesCarryingContent] extends [never] ? true : false = true;
    expect(noneCarriesContent).toBe(true);
    // At run time too, whatever a caller forces through the types.
    for (const type of DOMAIN_EVENT_TYPES.filter((t) => !INTERNAL_EVENT_TYPES.has(t))) {
      for (const field of CONTENT_FIELDS) {
        const smuggled = { type, payload: { [field]: 'Customer is VIP' } } as unknown as DomainEvent;
        expect(() => storedEventPayload(smuggled, ticket, agent)).toThrow(`Event "${type}" is not internal and may not carry ${field}`);
      }
    }
  });

  it('an internal note leaves its visibility in the event, never its text', () => {
    const stored = storedEventPayload(
      { type: 'message.created', payload: { message_id: 'm-3', internal: true, visibility: 'internal', by_requester: false, author: agent } },
      ticket,
      agent,
    );
    expect(JSON.stringify(stored)).not.toContain('Customer is VIP');
    expect(stored).toMatchObject({ visibility: 'internal', internal: true });
    expect('body' in stored).toBe(false);
  });

  it('refuses a type that is not declared', () => {
    expect(() => storedEventPayload({ type: 'ticket.exploded', payload: {} } as unknown as DomainEvent, ticket, agent)).toThrow(
      'Undeclared domain event type "ticket.exploded"',
    );
  });
});
