import { AppAbility, buildAbility, PrincipalAttributes, RoleRule, rulesToSql, SqlCondition, SUBJECT_FIELDS, subjectOf } from '@helpdesk/access';
import { Action, DomainError, EventActor } from '@helpdesk/domain';
import type { Principal } from './principal';

/**
 * The system acting on its own: the worker (SLA breaches, later bulk changes and integrations)
 * or an operator at the command line. Bound to one tenant like every actor; no credential.
 */
export interface SystemActor {
  kind: 'system';
  id: null;
  tenantId: string;
  ability: AppAbility;
}

/**
 * Who a use case acts for: a user or an API key (a Principal, from a credential) or the system.
 * The one thing use cases receive to decide access (ADR 0011).
 */
export type Actor = Principal | SystemActor;

/** Where a request came from, for audit rows; the worker has none. A separate input from the Actor. */
export interface RequestMeta {
  ip: string | null;
  requestId: string | null;
}

export const NO_REQUEST: RequestMeta = Object.freeze({ ip: null, requestId: null });

/**
 * What the worker may do: work tickets (the SLA clock's escalations; bulk changes next), never
 * administer the tenant. Rules like a role's, so the same checks and SQL filters apply.
 */
export const WORKER_RULES: readonly RoleRule[] = Object.freeze([
  { action: ['read', 'update', 'transition', 'assign', 'escalate'], subject: 'Ticket' },
  { action: ['read', 'create'], subject: 'Message' },
  { action: ['read', 'create', 'update', 'delete'], subject: 'Watcher' },
  { action: 'read', subject: ['User', 'Team', 'SlaPolicy'] },
]);

const SYSTEM_ATTRIBUTES: PrincipalAttributes = { id: 'system', email: null, role: 'system', team_ids: [], franchise_id: null, region: null };

// Rules without placeholders: one ability serves every tenant.
const WORKER_ABILITY = buildAbility([...WORKER_RULES], SYSTEM_ATTRIBUTES);
const OPERATOR_ABILITY = buildAbility([{ action: 'manage', subject: 'all' }], SYSTEM_ATTRIBUTES);

/** The worker acting in a tenant, with WORKER_RULES. */
export function systemActor(tenantId: string): SystemActor {
  return { kind: 'system', id: null, tenantId, ability: WORKER_ABILITY };
}

/** An operator at the command line: unrestricted within the tenant (provisioning, first API keys). */
export function operatorActor(tenantId: string): SystemActor {
  return { kind: 'system', id: null, tenantId, ability: OPERATOR_ABILITY };
}

/** The user behind the actor, for "created by" columns: none for API keys and the system. */
export function userIdOf(actor: Actor): string | null {
  return actor.kind === 'user' ? actor.id : null;
}

/** Whom an audit row and an event name as the actor of a change, and from where. */
export interface Origin extends EventActor {
  ip: string | null;
  request_id: string | null;
}

export function originOf(actor: Actor, meta: RequestMeta = NO_REQUEST): Origin {
  return { actor_type: actor.kind, actor_id: actor.id, ip: meta.ip, request_id: meta.requestId };
}

export function eventActorOf(actor: Actor): EventActor {
  return { actor_type: actor.kind, actor_id: actor.id };
}

/** Subjects whose records the generic idiom checks (tickets' children go through their ticket). */
export type RecordSubject = Exclude<keyof typeof SUBJECT_FIELDS, 'Message' | 'Watcher' | 'Attachment' | 'Audit' | 'Export'>;

/** The SQL condition (on `alias`) that keeps a list to the records the actor may read. */
export function readCondition(actor: Actor, subject: Exclude<RecordSubject, 'Ticket'>, alias: string): SqlCondition {
  return rulesToSql(actor.ability, 'read', subject, { alias, fields: SUBJECT_FIELDS[subject], paramPrefix: `${alias}_acl` });
}

/** A record the actor may not read does not exist for it: 404, not 403. Returns the record. */
export function assertReadable<T extends object>(actor: Actor, subject: RecordSubject, record: T | null, what: string): T {
  if (!record || !actor.ability.can('read', subjectOf(subject, record))) throw DomainError.notFound(what);
  return record;
}

/** 403 with what the role may not do. */
export function assertAllowed(allowed: boolean, what: string): void {
  if (!allowed) throw new DomainError('forbidden', `Your role may not ${what}.`);
}

/**
 * The idiom for a single record: 404 if the actor may not read it, 403 if it may read it but
 * not act on it. Returns the record for chaining.
 */
export function assertRecordAccess<T extends object>(actor: Actor, action: Action, subject: RecordSubject, record: T | null, what: string): T {
  const found = assertReadable(actor, subject, record, what);
  if (action !== 'read') assertAllowed(actor.ability.can(action, subjectOf(subject, found)), `${action} this ${what.toLowerCase()}`);
  return found;
}

/** For a record about to be created: may the actor create one with these attributes? */
export function assertMayCreate(actor: Actor, subject: RecordSubject, attributes: object, what: string): void {
  assertAllowed(actor.ability.can('create', subjectOf(subject, attributes)), `create this ${what.toLowerCase()}`);
}
