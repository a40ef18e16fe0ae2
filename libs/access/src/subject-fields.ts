import { Subject } from '@helpdesk/domain';

/** `number`: a NOT NULL numeric column, the only kind that takes $gt/$gte/$lt/$lte. */
export type FieldKind = 'scalar' | 'number' | 'array';

/**
 * The fields a role's conditions may name, per subject: the whitelist that both rule validation
 * and the rules-to-SQL translation use. Field names are the table's column names.
 */
export const SUBJECT_FIELDS: Record<Exclude<Subject, 'all'>, Record<string, FieldKind>> = {
  Ticket: {
    id: 'scalar',
    status: 'scalar',
    priority: 'scalar',
    type: 'scalar',
    source: 'scalar',
    requester_id: 'scalar',
    assignee_id: 'scalar',
    team_id: 'scalar',
    owner_role: 'scalar',
    franchise_id: 'scalar',
    region: 'scalar',
    linked_type: 'scalar',
    linked_id: 'scalar',
    is_sensitive: 'scalar',
    archived: 'scalar',
    sla_state: 'scalar',
    escalation_level: 'number',
    tags: 'array',
  },
  Message: { id: 'scalar', ticket_id: 'scalar', author_id: 'scalar', internal: 'scalar' },
  Watcher: { id: 'scalar', ticket_id: 'scalar', user_id: 'scalar' },
  Attachment: { id: 'scalar', ticket_id: 'scalar', uploaded_by: 'scalar', is_sensitive: 'scalar' },
  Audit: { ticket_id: 'scalar', actor_id: 'scalar', action: 'scalar' },
  Export: { id: 'scalar', requested_by: 'scalar', format: 'scalar' },
  User: { id: 'scalar', role: 'scalar', region: 'scalar', franchise_id: 'scalar', team_ids: 'array', active: 'scalar' },
  Team: { id: 'scalar' },
  Role: { id: 'scalar', name: 'scalar' },
  SlaPolicy: { priority: 'scalar' },
  ApiKey: { id: 'scalar', role: 'scalar', created_by: 'scalar' },
  Webhook: { id: 'scalar' },
};
