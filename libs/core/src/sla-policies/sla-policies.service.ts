import { Injectable } from '@nestjs/common';
import { RolesRepository, SlaPoliciesRepository, SlaPolicyEntity, SlaPolicyFields } from '@helpdesk/database';
import { DEFAULT_NEAR_BREACH_RATIO, DEFAULT_PAUSE_STATUSES, DomainError, TicketPriority, validateSlaPolicyTerms } from '@helpdesk/domain';

export type SlaPolicyInput = Pick<SlaPolicyFields, 'first_response_minutes' | 'resolution_minutes' | 'escalation_chain'> &
  Partial<Omit<SlaPolicyFields, 'first_response_minutes' | 'resolution_minutes' | 'escalation_chain'>>;

@Injectable()
export class SlaPoliciesService {
  constructor(
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
    return this.policies.putNewVersion(tenantId, priority, fields, actorId);
  }
}
