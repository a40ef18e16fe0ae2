import { Injectable } from '@nestjs/common';
import { RolesRepository, SlaPoliciesRepository, SlaPolicyEntity, SlaPolicyFields } from '@helpdesk/database';
import {
  BusinessHoursCalendar,
  DEFAULT_NEAR_BREACH_RATIO,
  DEFAULT_PAUSE_STATUSES,
  DomainError,
  TicketPriority,
  validateBusinessHours,
  validateBusinessHoursSize,
  validateSlaPolicyTerms,
  validateSlaTargetsFitCalendar,
} from '@helpdesk/domain';
import { Actor, assertRecordAccess, readCondition, userIdOf } from '../access/actor';

export type SlaPolicyInput = Pick<SlaPolicyFields, 'first_response_minutes' | 'resolution_minutes' | 'escalation_chain'> &
  Partial<Omit<SlaPolicyFields, 'first_response_minutes' | 'resolution_minutes' | 'escalation_chain'>>;

@Injectable()
export class SlaPoliciesService {
  constructor(
    private readonly policies: SlaPoliciesRepository,
    private readonly roles: RolesRepository,
  ) {}

  list(actor: Actor): Promise<SlaPolicyEntity[]> {
    return this.policies.listCurrent(actor.tenantId, readCondition(actor, 'SlaPolicy', 'p'));
  }

  async get(actor: Actor, priority: TicketPriority): Promise<SlaPolicyEntity> {
    return assertRecordAccess(actor, 'read', 'SlaPolicy', await this.policies.findCurrent(actor.tenantId, priority), 'SLA policy');
  }

  /** Replaces the priority's terms with a new version; tickets already stamped keep theirs. */
  async put(actor: Actor, priority: TicketPriority, input: SlaPolicyInput): Promise<SlaPolicyEntity> {
    assertRecordAccess(actor, 'update', 'SlaPolicy', { priority }, 'SLA policy');
    const fields: SlaPolicyFields = {
      first_response_minutes: input.first_response_minutes,
      resolution_minutes: input.resolution_minutes,
      escalation_chain: input.escalation_chain,
      near_breach_ratio: input.near_breach_ratio ?? DEFAULT_NEAR_BREACH_RATIO,
      next_reply_minutes: input.next_reply_minutes ?? null,
      near_breach_minutes: input.near_breach_minutes ?? null,
      reescalation_minutes: input.reescalation_minutes ?? null,
      business_hours: input.business_hours ?? null,
      pause_statuses: input.pause_statuses ?? DEFAULT_PAUSE_STATUSES,
    };
    const errors = validateSlaPolicyTerms(fields, await this.roles.names(actor.tenantId));
    if (fields.next_reply_minutes !== null && !(fields.next_reply_minutes > 0)) {
      errors.push({ field: 'next_reply_minutes', message: 'must be a positive number of minutes' });
    }
    if (fields.business_hours !== null) {
      const calendarErrors = validateBusinessHours(fields.business_hours);
      errors.push(...calendarErrors);
      if (calendarErrors.length === 0) {
        const calendar = fields.business_hours as unknown as BusinessHoursCalendar;
        const sizeErrors = validateBusinessHoursSize(calendar);
        errors.push(...sizeErrors);
        // Targets the calendar cannot hold within the horizon would make every due date a long search.
        if (sizeErrors.length === 0) errors.push(...validateSlaTargetsFitCalendar(fields, calendar));
      }
    }
    if (errors.length) throw DomainError.validation(errors);
    return this.policies.putNewVersion(actor.tenantId, priority, fields, userIdOf(actor));
  }
}
