import { permittedFieldsOf } from '@casl/ability/extra';
import { AppAbility, rulesToSql, SqlCondition, SUBJECT_FIELDS, subjectOf } from '@helpdesk/access';
import type { TicketMessageRow, TicketRow } from '@helpdesk/database';
import { Action, DomainError, PUBLIC_TICKET_COLUMNS, TicketView, toTicketView } from '@helpdesk/domain';
import { Actor, assertReadable } from '../access/actor';

/** The SQL condition (alias `t`) selecting the tickets the caller may read. */
function ticketCondition(ability: AppAbility): SqlCondition {
  return rulesToSql(ability, 'read', 'Ticket', { alias: 't', fields: SUBJECT_FIELDS.Ticket, paramPrefix: 'ticket_acl' });
}

/**
 * The tickets the caller may read, narrowed to those whose `fields` it may read too: a filter or
 * sort on a field the caller cannot see must not tell hidden values apart (a requester filtering
 * on `sla_state` or `owner_role` finds nothing). Roles without field-level rules get the plain
 * read condition.
 */
export function ticketReadConditionFor(ability: AppAbility, fields: readonly string[]): SqlCondition {
  const read = ticketCondition(ability);
  if (!fields.length || !ability.rulesFor('read', 'Ticket').some((rule) => rule.fields)) return read;
  return [...new Set(fields)].reduce<SqlCondition>((condition, field, index) => {
    const forField = rulesToSql(ability, 'read', 'Ticket', { alias: 't', fields: SUBJECT_FIELDS.Ticket, paramPrefix: `ticket_acl_f${index}`, field });
    return { sql: `(${condition.sql}) AND (${forField.sql})`, params: { ...condition.params, ...forField.params } };
  }, read);
}

export function messageCondition(ability: AppAbility): SqlCondition {
  return rulesToSql(ability, 'read', 'Message', { alias: 'm', fields: SUBJECT_FIELDS.Message, paramPrefix: 'message_acl' });
}

export function canOnTicket(ability: AppAbility, action: Action, ticket: TicketRow, field?: string): boolean {
  return ability.can(action, subjectOf('Ticket', ticket), field);
}

/** A ticket the actor may not read does not exist for it: 404, not 403 (the one idiom, actor.ts). */
export function assertTicketReadable(actor: Actor, ticket: TicketRow | null): TicketRow {
  return assertReadable(actor, 'Ticket', ticket, 'Ticket');
}

export function assertNotArchived(ticket: TicketRow): void {
  if (ticket.archived) throw new DomainError('conflict', 'The ticket is archived; it can be read, not changed.');
}

/**
 * The ticket as the caller may see it: public columns only (libs/domain's read model), and of
 * those only the ones that rules with `fields` (a requester's, say) let the caller read.
 */
export function ticketView(ability: AppAbility, ticket: TicketRow): TicketView {
  const rules = ability.rulesFor('read', 'Ticket');
  if (!rules.some((rule) => rule.fields)) return toTicketView(ticket);
  const fields = permittedFieldsOf(ability, 'read', subjectOf('Ticket', ticket), { fieldsFrom: (rule) => rule.fields ?? [...PUBLIC_TICKET_COLUMNS] });
  return toTicketView(ticket, new Set(fields));
}

export function messageSubject(message: Pick<TicketMessageRow, 'internal' | 'ticket_id' | 'author_id'> & { id?: string }) {
  return subjectOf('Message', { id: message.id ?? null, ...message });
}
