import { SeededRole } from '@helpdesk/domain';
import { RoleRule } from './role-rules';

const TICKET_WORK = ['read', 'update', 'assign', 'escalate', 'transition'];
const MY_TEAMS = { team_id: { $in: '${user.team_ids}' } };
const DIRECTORY = { action: 'read', subject: ['User', 'Team'] };
/** Of the seeded roles, only finance and admin may resolve (or otherwise finish) a ticket linked to a payment. */
const NO_PAYMENT_RESOLUTION: RoleRule = {
  action: 'transition',
  subject: 'Ticket',
  fields: ['resolved', 'closed', 'wont_fix'],
  conditions: { linked_type: 'payment' },
  inverted: true,
  reason: 'Only finance may resolve a ticket linked to a payment',
};

/** What a requester sees of their tickets: no internal routing, SLA bookkeeping or metadata. */
export const REQUESTER_TICKET_FIELDS = [
  'id',
  'title',
  'description',
  'type',
  'priority',
  'status',
  'source',
  'source_id',
  'requester_id',
  'assignee_id',
  'team_id',
  'tags',
  'linked_type',
  'linked_id',
  'version',
  'first_responded_at',
  'resolution_summary',
  'resolved_at',
  'closed_at',
  'created_at',
  'updated_at',
];

/** Rules every agent-like role shares on the records that hang off a ticket it can work. */
const TICKET_COLLABORATION: RoleRule[] = [
  { action: 'create', subject: 'Ticket' },
  { action: ['read', 'create'], subject: 'Message' },
  { action: ['read', 'create', 'update', 'delete'], subject: ['Watcher', 'Attachment'] },
];

export const DEFAULT_ROLE_DESCRIPTIONS: Record<SeededRole, string> = {
  admin: 'Everything in the tenant, including its users, roles, policies and keys',
  hq_support: 'Headquarters support: works every ticket of the tenant',
  regional_manager: 'Works the tickets of their region',
  ops_manager: 'Works and assigns the tickets of their teams, exports them',
  ops_agent: 'Works the tickets of their teams',
  franchise_agent: 'Works the tickets of their franchise',
  finance: 'Works tickets linked to payments, invoices and refunds; the only role that resolves payment tickets',
  ceo_oncall: 'Sees every ticket and escalates; last step of critical escalation',
  auditor: 'Reads everything, including audit trails; changes nothing',
  requester: 'Raises tickets and follows their own, public messages only',
};

/**
 * Rules on Message, Watcher and Attachment are checked together with the ticket they hang off:
 * their routes load the ticket first and require the caller to see it, so a requester's
 * `{ internal: false }` reaches only the public messages of tickets the requester can read.
 */
export const DEFAULT_ROLE_RULES: Record<SeededRole, RoleRule[]> = {
  admin: [{ action: 'manage', subject: 'all' }],
  hq_support: [
    { action: TICKET_WORK, subject: 'Ticket' },
    ...TICKET_COLLABORATION,
    { action: ['create', 'read'], subject: 'Export' },
    { action: 'read', subject: ['Audit', 'User', 'Team', 'SlaPolicy'] },
    NO_PAYMENT_RESOLUTION,
  ],
  regional_manager: [
    { action: TICKET_WORK, subject: 'Ticket', conditions: { region: '${user.region}' } },
    ...TICKET_COLLABORATION,
    { action: ['create', 'read'], subject: 'Export' },
    { action: 'read', subject: ['Audit', 'User', 'Team', 'SlaPolicy'] },
    NO_PAYMENT_RESOLUTION,
  ],
  ops_manager: [
    { action: TICKET_WORK, subject: 'Ticket', conditions: MY_TEAMS },
    ...TICKET_COLLABORATION,
    { action: ['create', 'read'], subject: 'Export' },
    { action: 'read', subject: ['Audit', 'User', 'Team', 'SlaPolicy'] },
    NO_PAYMENT_RESOLUTION,
  ],
  ops_agent: [
    { action: ['read', 'update', 'assign', 'transition'], subject: 'Ticket', conditions: MY_TEAMS },
    ...TICKET_COLLABORATION,
    DIRECTORY,
    NO_PAYMENT_RESOLUTION,
  ],
  franchise_agent: [
    { action: ['read', 'update', 'transition'], subject: 'Ticket', conditions: { franchise_id: '${user.franchise_id}' } },
    ...TICKET_COLLABORATION,
    DIRECTORY,
    NO_PAYMENT_RESOLUTION,
  ],
  finance: [
    { action: ['read', 'update', 'assign', 'transition'], subject: 'Ticket', conditions: { linked_type: { $in: ['payment', 'invoice', 'refund'] } } },
    ...TICKET_COLLABORATION,
    { action: ['create', 'read'], subject: 'Export' },
    DIRECTORY,
  ],
  ceo_oncall: [
    { action: ['read', 'escalate'], subject: 'Ticket' },
    { action: ['read', 'create'], subject: 'Message' },
    { action: 'read', subject: ['Watcher', 'Attachment', 'Audit', 'User', 'Team', 'SlaPolicy'] },
  ],
  auditor: [
    { action: ['read', 'audit'], subject: ['Ticket', 'Message', 'Watcher', 'Attachment', 'Audit', 'Export'] },
    { action: 'read', subject: ['User', 'Team', 'Role', 'SlaPolicy', 'ApiKey', 'Webhook'] },
  ],
  requester: [
    { action: 'create', subject: 'Ticket' },
    { action: 'read', subject: 'Ticket', fields: REQUESTER_TICKET_FIELDS, conditions: { requester_id: '${user.id}' } },
    { action: 'transition', subject: 'Ticket', fields: ['open', 'closed'], conditions: { requester_id: '${user.id}' } },
    { action: ['read', 'create'], subject: 'Message', conditions: { internal: false } },
    { action: ['read', 'create', 'update', 'delete'], subject: 'Watcher', conditions: { user_id: '${user.id}' } },
    { action: ['read', 'create'], subject: 'Attachment', conditions: { is_sensitive: false } },
  ],
};
