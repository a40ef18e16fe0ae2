import { DONE_STATUSES, TICKET_PRIORITIES } from '@helpdesk/domain';
import { DONE_STATUSES_SQL, PRIORITY_ORDER_SQL } from './domain-sql';

describe('domain constants in SQL', () => {
  it('renders the done statuses as the partial indexes on open tickets spell them (the planner matches them)', () => {
    expect(DONE_STATUSES_SQL).toBe("'resolved', 'closed', 'wont_fix'");
    expect(DONE_STATUSES_SQL).toBe(DONE_STATUSES.map((status) => `'${status}'`).join(', '));
  });

  it('orders priorities from the domain’s list, lowest first', () => {
    expect(PRIORITY_ORDER_SQL).toBe("ARRAY['low', 'medium', 'high', 'critical']::text[]");
    expect(TICKET_PRIORITIES[0]).toBe('low');
  });
});
