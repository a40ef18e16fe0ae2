/**
 * JSON schemas of the ticket answers, for Fastify's compiled serializer: a page of 50 tickets is
 * serialised several times faster than by JSON.stringify. Every column is listed; a caller whose
 * role sees fewer fields simply gets fewer (absent properties are left out).
 */
const text = { type: 'string' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const instant = { type: ['string', 'null'], format: 'date-time' } as const;

export const TICKET_SCHEMA = {
  type: 'object',
  properties: {
    id: text,
    tenant_id: text,
    title: text,
    description: text,
    type: text,
    priority: text,
    status: text,
    source: text,
    source_id: nullableText,
    requester_id: nullableText,
    assignee_id: nullableText,
    team_id: nullableText,
    owner_role: nullableText,
    franchise_id: nullableText,
    region: nullableText,
    linked_type: nullableText,
    linked_id: nullableText,
    tags: { type: 'array', items: text },
    metadata: { type: 'object', additionalProperties: true },
    is_sensitive: { type: 'boolean' },
    archived: { type: 'boolean' },
    version: { type: 'integer' },
    sla_policy_id: nullableText,
    first_response_due_at: instant,
    first_response_warn_at: instant,
    first_responded_at: instant,
    resolution_due_at: instant,
    resolution_warn_at: instant,
    next_reply_started_at: instant,
    next_reply_due_at: instant,
    sla_paused_at: instant,
    sla_paused_seconds: { type: 'number' },
    sla_state: text,
    next_sla_check_at: instant,
    escalation_level: { type: 'integer' },
    breached_at: instant,
    reopen_count: { type: 'integer' },
    resolution_summary: nullableText,
    resolved_at: instant,
    closed_at: instant,
    created_at: instant,
    updated_at: instant,
  },
} as const;

export const TICKET_PAGE_SCHEMA = {
  type: 'object',
  properties: { data: { type: 'array', items: TICKET_SCHEMA }, next_cursor: nullableText },
} as const;
