import { BusinessHoursCalendar, guaranteedBusinessMinutes, SLA_TARGET_HORIZON_YEARS } from './business-hours';
import { FieldError } from './errors';
import { TicketPriority } from './tickets';

export interface SlaPolicyTerms {
  first_response_minutes: number;
  resolution_minutes: number;
  near_breach_ratio: number;
  escalation_chain: string[];
}

export interface DefaultSlaPolicy extends SlaPolicyTerms {
  priority: TicketPriority;
}

export const DEFAULT_NEAR_BREACH_RATIO = 0.2;

/**
 * Minutes and the near-breach ratio are stored to 4 decimal places (numeric(14, 4), numeric(5, 4)):
 * a positive value under this step would be stored as 0, and a ratio above 1 - step as 1, which
 * the columns' checks refuse. They are the least and the margin the API accepts.
 */
export const SLA_STORED_STEP = 0.0001;

export const DEFAULT_SLA_POLICIES: DefaultSlaPolicy[] = [
  {
    priority: 'low',
    first_response_minutes: 24 * 60,
    resolution_minutes: 72 * 60,
    near_breach_ratio: DEFAULT_NEAR_BREACH_RATIO,
    escalation_chain: ['franchise_agent', 'ops_manager', 'regional_manager'],
  },
  {
    priority: 'medium',
    first_response_minutes: 8 * 60,
    resolution_minutes: 48 * 60,
    near_breach_ratio: DEFAULT_NEAR_BREACH_RATIO,
    escalation_chain: ['ops_agent', 'ops_manager', 'regional_manager'],
  },
  {
    priority: 'high',
    first_response_minutes: 2 * 60,
    resolution_minutes: 24 * 60,
    near_breach_ratio: DEFAULT_NEAR_BREACH_RATIO,
    escalation_chain: ['ops_manager', 'regional_manager', 'hq_support'],
  },
  {
    priority: 'critical',
    first_response_minutes: 30,
    resolution_minutes: 4 * 60,
    near_breach_ratio: DEFAULT_NEAR_BREACH_RATIO,
    escalation_chain: ['hq_support', 'regional_manager', 'ceo_oncall'],
  },
];

/**
 * Rules that span fields (the DTO checks each field on its own). Minutes may be fractional so
 * that tests can use windows of a few seconds.
 */
export function validateSlaPolicyTerms(terms: SlaPolicyTerms, knownRoles: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  if (!(terms.first_response_minutes > 0)) errors.push({ field: 'first_response_minutes', message: 'must be a positive number of minutes' });
  if (!(terms.resolution_minutes > 0)) errors.push({ field: 'resolution_minutes', message: 'must be a positive number of minutes' });
  if (terms.resolution_minutes < terms.first_response_minutes) {
    errors.push({ field: 'resolution_minutes', message: 'must be greater than or equal to first_response_minutes' });
  }
  if (!(terms.near_breach_ratio >= SLA_STORED_STEP && terms.near_breach_ratio <= 1 - SLA_STORED_STEP)) {
    errors.push({ field: 'near_breach_ratio', message: `must be between 0 and 1 (exclusive), from ${SLA_STORED_STEP} to ${1 - SLA_STORED_STEP}` });
  }
  if (terms.escalation_chain.length === 0) errors.push({ field: 'escalation_chain', message: 'must name at least one role' });
  const unknown = terms.escalation_chain.filter((role) => !knownRoles.has(role));
  if (unknown.length > 0) errors.push({ field: 'escalation_chain', message: `unknown role(s): ${unknown.join(', ')}` });
  if (new Set(terms.escalation_chain).size !== terms.escalation_chain.length) {
    errors.push({ field: 'escalation_chain', message: 'must not name a role twice' });
  }
  return errors;
}

export interface SlaTargets {
  first_response_minutes: number;
  resolution_minutes: number;
  next_reply_minutes?: number | null;
}

const TARGET_FIELDS = ['first_response_minutes', 'resolution_minutes', 'next_reply_minutes'] as const;

/**
 * With a business-hours calendar, every target must be reachable within SLA_TARGET_HORIZON_YEARS
 * of calendar time wherever its clock starts: at most guaranteedBusinessMinutes(calendar). A
 * calendar of one working minute a week holds a few hundred minutes in that time, so it cannot
 * take targets of months; a calendar whose holidays leave nothing certain takes none (reported on
 * business_hours). The near-breach warning needs no check of its own: it falls before its target's
 * due instant. Call with a valid calendar (validateBusinessHours first).
 */
export function validateSlaTargetsFitCalendar(targets: SlaTargets, calendar: BusinessHoursCalendar | null): FieldError[] {
  if (calendar === null) return [];
  const guaranteed = guaranteedBusinessMinutes(calendar);
  if (guaranteed <= 0) {
    return [
      {
        field: 'business_hours',
        message: `guarantees no working time within ${SLA_TARGET_HORIZON_YEARS} years (its holidays take all of it), so no target can be met`,
      },
    ];
  }
  const errors: FieldError[] = [];
  for (const field of TARGET_FIELDS) {
    const minutes = targets[field];
    if (typeof minutes === 'number' && minutes > guaranteed) {
      errors.push({
        field,
        message: `must be at most ${guaranteed.toLocaleString('en-US')} minutes: that is all the working time business_hours guarantees within ${SLA_TARGET_HORIZON_YEARS} years`,
      });
    }
  }
  return errors;
}
