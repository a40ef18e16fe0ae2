import { createMongoAbility } from '@casl/ability';
import { AppAbility, rulesToSql, SqlCondition, SUBJECT_FIELDS, subjectOf } from '@helpdesk/access';
import { Action, DomainError } from '@helpdesk/domain';

/**
 * What a use case may touch: one tenant, and within it what the ability allows. A Principal is a
 * Scope; operators at the command line act with an unrestricted one.
 */
export interface Scope {
  tenantId: string;
  ability: AppAbility;
}

export function operatorScope(tenantId: string): Scope {
  return { tenantId, ability: createMongoAbility([{ action: 'manage', subject: 'all' }]) };
}

type RecordSubject = Exclude<keyof typeof SUBJECT_FIELDS, 'Ticket' | 'Message' | 'Watcher' | 'Attachment' | 'Audit' | 'Export'>;

/** The SQL condition (on `alias`) that keeps a list to the records the scope may read. */
export function readCondition(scope: Scope, subject: RecordSubject, alias: string): SqlCondition {
  return rulesToSql(scope.ability, 'read', subject, { alias, fields: SUBJECT_FIELDS[subject], paramPrefix: `${alias}_acl` });
}

/**
 * A record the scope may not read does not exist for it (404); one it may read but not act on
 * is a 403. Returns the record for chaining.
 */
export function assertRecordAccess<T extends object>(scope: Scope, action: Action, subject: RecordSubject, record: T | null, what: string): T {
  if (!record || !scope.ability.can('read', subjectOf(subject, record))) throw DomainError.notFound(what);
  if (action !== 'read' && !scope.ability.can(action, subjectOf(subject, record))) {
    throw new DomainError('forbidden', `Your role may not ${action} this ${what.toLowerCase()}.`);
  }
  return record;
}

/** For a record about to be created: may the scope create one with these attributes? */
export function assertMayCreate(scope: Scope, subject: RecordSubject, attributes: object, what: string): void {
  if (!scope.ability.can('create', subjectOf(subject, attributes))) {
    throw new DomainError('forbidden', `Your role may not create this ${what.toLowerCase()}.`);
  }
}
