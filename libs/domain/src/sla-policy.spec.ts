import { SLA_STORED_STEP, validateSlaPolicyTerms } from './sla-policy';

const ROLES = new Set(['ops_agent', 'ops_manager']);
const terms = (near_breach_ratio: number) => ({ first_response_minutes: 60, resolution_minutes: 120, near_breach_ratio, escalation_chain: ['ops_agent'] });
const fields = (ratio: number) => validateSlaPolicyTerms(terms(ratio), ROLES).map((error) => error.field);

describe('validateSlaPolicyTerms: the near-breach ratio, stored to 4 decimal places', () => {
  it.each([SLA_STORED_STEP, 0.2, 0.5, 1 - SLA_STORED_STEP])('accepts %s', (ratio) => {
    expect(fields(ratio)).toEqual([]);
  });

  // 0.00004 would be stored as 0.0000 and 0.99996 as 1.0000, both refused by the column's check.
  it.each([0, 1, -0.5, 1.5, 0.00004, 1e-300, 0.99996, 0.999999])('refuses %s', (ratio) => {
    expect(fields(ratio)).toEqual(['near_breach_ratio']);
  });
});
