import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RolesRepository, SlaPoliciesRepository, SlaPolicyEntity, SlaPolicyFields } from '@helpdesk/database';
import { DEFAULT_NEAR_BREACH_RATIO, DEFAULT_PAUSE_STATUSES, DomainError, TicketPriority, validateBusinessHours, validateSlaPolicyTerms } from '@helpdesk/domain';

export type SlaPolicyInput = Pick<SlaPolicyFields, 'first_response_minutes' | 'resolution_minutes' | 'escalation_chain'> &
  Partial<Omit<SlaPolicyFields, 'first_response_minutes' | 'resolution_minutes' | 'escalation_chain'>>;

@Injectable()
export class SlaPoliciesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: SlaPoliciesRepository,
    private readonly roles: RolesRepository,
  ) {}

  list(tenantId: string): Promise<SlaPolicyEntity[]> {
    return this.policies.listCurrent(tenantId);
  }

  async get(tenantId: string, priority: TicketPriority): Promise<SlaPolicyEntity> {
    const policy = await this.policies.findCurrent(tenantId, priority);
    if (!policy) throw DomainError.notFound('SLA policy');
    return policy;
  }

  /** Replaces the priority's terms with a new version; tickets already stamped keep theirs. */
  async put(tenantId: string, priority: TicketPriority, input: SlaPolicyInput, actorId: string | null): Promise<SlaPolicyEntity> {
    const fields: SlaPolicyFields = {
      first_response_minutes: input.first_response_minutes,
      resolution_minutes: input.resolution_minutes,
      escalation_chain: input.escalation_chain,
      near_breach_ratio: input.near_breach_ratio ?? DEFAULT_NEAR_BREACH_RATIO,
      next_reply_minutes: input.next_reply_minutes ?? null,
      business_hours: input.business_hours ?? null,
      pause_statuses: input.pause_statuses ?? DEFAULT_PAUSE_STATUSES,
    };
    const errors = validateSlaPolicyTerms(fields, await this.roles.names(tenantId));
    if (fields.next_reply_minutes !== null && !(fields.next_reply_minutes > 0)) {
      errors.push({ field: 'next_reply_minutes', message: 'must be a positive number of minutes' });
    }
    if (errors.length) throw DomainError.validation(errors);
    // Edits of one priority queue on a transaction-scoped lock. The row lock inside putNewVersion
    // alone is not enough: a waiter wakes to find the row it waited for no longer current, sees
    // no current version, and collides with the unique version (a 500 instead of the next version).
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sla-policy:${tenantId}:${priority}`]);
      return this.policies.putNewVersion(tenantId, priority, fields, actorId, manager);
    });
  }
}
