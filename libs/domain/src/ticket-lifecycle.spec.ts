import { DomainError } from './errors';
import {
  allowedTransitions,
  assertResolutionSummary,
  assertTransition,
  AWAITING_STATUSES,
  isAwaitingStatus,
  statusAfterRequesterReply,
  statusChangeEffects,
  statusChangeEvents,
  canTransition,
  DONE_STATUSES,
  FINAL_STATUSES,
  isOpenStatus,
  isReopen,
  requiresResolutionSummary,
  TICKET_TRANSITIONS,
} from './ticket-lifecycle';
import { TICKET_STATUSES, TicketStatus } from './tickets';

// Every (from, to) pair, written out by hand from the lifecycle rules; not derived from the table.
const EXPECTED: Array<[TicketStatus, TicketStatus, boolean]> = [
  ['new', 'new', false],
  ['new', 'open', true],
  ['new', 'in_progress', true],
  ['new', 'awaiting_customer', true],
  ['new', 'awaiting_third_party', true],
  ['new', 'resolved', true],
  ['new', 'closed', false],
  ['new', 'wont_fix', true],

  ['open', 'new', false],
  ['open', 'open', false],
  ['open', 'in_progress', true],
  ['open', 'awaiting_customer', true],
  ['open', 'awaiting_third_party', true],
  ['open', 'resolved', true],
  ['open', 'closed', false],
  ['open', 'wont_fix', true],

  ['in_progress', 'new', false],
  ['in_progress', 'open', true],
  ['in_progress', 'in_progress', false],
  ['in_progress', 'awaiting_customer', true],
  ['in_progress', 'awaiting_third_party', true],
  ['in_progress', 'resolved', true],
  ['in_progress', 'closed', false],
  ['in_progress', 'wont_fix', true],

  ['awaiting_customer', 'new', false],
  ['awaiting_customer', 'open', true],
  ['awaiting_customer', 'in_progress', true],
  ['awaiting_customer', 'awaiting_customer', false],
  ['awaiting_customer', 'awaiting_third_party', false],
  ['awaiting_customer', 'resolved', true],
  ['awaiting_customer', 'closed', true],
  ['awaiting_customer', 'wont_fix', true],

  ['awaiting_third_party', 'new', false],
  ['awaiting_third_party', 'open', true],
  ['awaiting_third_party', 'in_progress', true],
  ['awaiting_third_party', 'awaiting_customer', false],
  ['awaiting_third_party', 'awaiting_third_party', false],
  ['awaiting_third_party', 'resolved', true],
  ['awaiting_third_party', 'closed', false],
  ['awaiting_third_party', 'wont_fix', true],

  ['resolved', 'new', false],
  ['resolved', 'open', true],
  ['resolved', 'in_progress', false],
  ['resolved', 'awaiting_customer', false],
  ['resolved', 'awaiting_third_party', false],
  ['resolved', 'resolved', false],
  ['resolved', 'closed', true],
  ['resolved', 'wont_fix', false],

  ['closed', 'new', false],
  ['closed', 'open', false],
  ['closed', 'in_progress', false],
  ['closed', 'awaiting_customer', false],
  ['closed', 'awaiting_third_party', false],
  ['closed', 'resolved', false],
  ['closed', 'closed', false],
  ['closed', 'wont_fix', false],

  ['wont_fix', 'new', false],
  ['wont_fix', 'open', true],
  ['wont_fix', 'in_progress', false],
  ['wont_fix', 'awaiting_customer', false],
  ['wont_fix', 'awaiting_third_party', false],
  ['wont_fix', 'resolved', false],
  ['wont_fix', 'closed', true],
  ['wont_fix', 'wont_fix', false],
];

describe('ticket lifecycle', () => {
  it('the expected table covers each of the 64 (from, to) pairs exactly once', () => {
    expect(EXPECTED).toHaveLength(64);
    const pairs = new Set(EXPECTED.map(([from, to]) => `${from}->${to}`));
    expect(pairs.size).toBe(64);
    for (const from of TICKET_STATUSES) for (const to of TICKET_STATUSES) expect(pairs.has(`${from}->${to}`)).toBe(true);
  });

  describe.each(EXPECTED)('%s -> %s', (from, to, allowed) => {
    it(`canTransition is ${allowed}`, () => {
      expect(canTransition(from, to)).toBe(allowed);
      expect(allowedTransitions(from).includes(to)).toBe(allowed);
    });

    it(allowed ? 'assertTransition passes' : 'assertTransition throws invalid_transition', () => {
      if (allowed) {
        expect(() => assertTransition(from, to)).not.toThrow();
        return;
      }
      let thrown: unknown;
      try {
        assertTransition(from, to);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DomainError);
      const error = thrown as DomainError;
      expect(error.code).toBe('invalid_transition');
      expect(error.message).toBe(`A ticket cannot move from ${from} to ${to}.`);
      expect(error.details).toEqual({ from, to, allowed: [...TICKET_TRANSITIONS[from]] });
    });
  });

  it('lists the allowed targets of each status', () => {
    expect(allowedTransitions('new')).toEqual(['open', 'in_progress', 'awaiting_customer', 'awaiting_third_party', 'resolved', 'wont_fix']);
    expect(allowedTransitions('open')).toEqual(['in_progress', 'awaiting_customer', 'awaiting_third_party', 'resolved', 'wont_fix']);
    expect(allowedTransitions('in_progress')).toEqual(['open', 'awaiting_customer', 'awaiting_third_party', 'resolved', 'wont_fix']);
    expect(allowedTransitions('awaiting_customer')).toEqual(['open', 'in_progress', 'resolved', 'wont_fix', 'closed']);
    expect(allowedTransitions('awaiting_third_party')).toEqual(['open', 'in_progress', 'resolved', 'wont_fix']);
    expect(allowedTransitions('resolved')).toEqual(['open', 'closed']);
    expect(allowedTransitions('wont_fix')).toEqual(['open', 'closed']);
    expect(allowedTransitions('closed')).toEqual([]);
  });

  it('puts the allowed targets in the error details (the 409 body)', () => {
    expect(() => assertTransition('resolved', 'in_progress')).toThrow(
      expect.objectContaining({
        code: 'invalid_transition',
        message: 'A ticket cannot move from resolved to in_progress.',
        details: { from: 'resolved', to: 'in_progress', allowed: ['open', 'closed'] },
      }),
    );
    expect(() => assertTransition('closed', 'open')).toThrow(expect.objectContaining({ details: { from: 'closed', to: 'open', allowed: [] } }));
    expect(() => assertTransition('open', 'open')).toThrow(
      expect.objectContaining({
        message: 'A ticket cannot move from open to open.',
        details: { from: 'open', to: 'open', allowed: ['in_progress', 'awaiting_customer', 'awaiting_third_party', 'resolved', 'wont_fix'] },
      }),
    );
  });

  it('hands out a copy of the allowed list in the error and keeps the table frozen', () => {
    let error: unknown;
    try {
      assertTransition('wont_fix', 'resolved');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DomainError);
    const allowed = (error as DomainError).details.allowed as string[];
    expect(allowed).toEqual(['open', 'closed']);
    // A copy: not the table's own (frozen) array, and changing it leaves the table as it was.
    expect(allowed).not.toBe(TICKET_TRANSITIONS.wont_fix);
    expect(Object.isFrozen(allowed)).toBe(false);
    allowed.push('mutated');
    expect(TICKET_TRANSITIONS.wont_fix).toEqual(['open', 'closed']);
    expect(Object.isFrozen(TICKET_TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(TICKET_TRANSITIONS.new)).toBe(true);
  });

  it('has a transition list for every status and none to an unknown status', () => {
    expect(Object.keys(TICKET_TRANSITIONS).sort()).toEqual([...TICKET_STATUSES].sort());
  });

  it('done/final statuses are resolved, closed and wont_fix', () => {
    expect([...DONE_STATUSES].sort()).toEqual(['closed', 'resolved', 'wont_fix']);
    expect(FINAL_STATUSES).toEqual(DONE_STATUSES);
  });

  it.each<[TicketStatus, boolean]>([
    ['new', true],
    ['open', true],
    ['in_progress', true],
    ['awaiting_customer', true],
    ['awaiting_third_party', true],
    ['resolved', false],
    ['closed', false],
    ['wont_fix', false],
  ])('isOpenStatus(%s) is %s', (status, open) => {
    expect(isOpenStatus(status)).toBe(open);
  });

  it.each<[TicketStatus, boolean]>([
    ['new', false],
    ['open', false],
    ['in_progress', false],
    ['awaiting_customer', false],
    ['awaiting_third_party', false],
    ['resolved', true],
    ['closed', false],
    ['wont_fix', false],
  ])('requiresResolutionSummary(%s) is %s', (status, required) => {
    expect(requiresResolutionSummary(status)).toBe(required);
  });

  it.each<[TicketStatus, TicketStatus, boolean]>([
    ['resolved', 'open', true],
    ['wont_fix', 'open', true],
    ['closed', 'open', true], // a reopen by shape, though not an allowed transition
    ['resolved', 'in_progress', true],
    ['resolved', 'closed', false],
    ['wont_fix', 'closed', false],
    ['new', 'open', false],
    ['in_progress', 'open', false],
    ['awaiting_customer', 'open', false],
    ['open', 'resolved', false],
  ])('isReopen(%s, %s) is %s', (from, to, reopen) => {
    expect(isReopen(from, to)).toBe(reopen);
  });

  describe('side effects of a status move', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    // Every allowed move, written out by hand: what it stamps besides the status, and what it publishes.
    const MOVES: Array<[TicketStatus, TicketStatus, 'none' | 'resolved_at' | 'closed_at' | 'reopen']> = [
      ['new', 'open', 'none'],
      ['new', 'in_progress', 'none'],
      ['new', 'awaiting_customer', 'none'],
      ['new', 'awaiting_third_party', 'none'],
      ['new', 'resolved', 'resolved_at'],
      ['new', 'wont_fix', 'none'],
      ['open', 'in_progress', 'none'],
      ['open', 'awaiting_customer', 'none'],
      ['open', 'awaiting_third_party', 'none'],
      ['open', 'resolved', 'resolved_at'],
      ['open', 'wont_fix', 'none'],
      ['in_progress', 'open', 'none'],
      ['in_progress', 'awaiting_customer', 'none'],
      ['in_progress', 'awaiting_third_party', 'none'],
      ['in_progress', 'resolved', 'resolved_at'],
      ['in_progress', 'wont_fix', 'none'],
      ['awaiting_customer', 'open', 'none'],
      ['awaiting_customer', 'in_progress', 'none'],
      ['awaiting_customer', 'resolved', 'resolved_at'],
      ['awaiting_customer', 'wont_fix', 'none'],
      ['awaiting_customer', 'closed', 'closed_at'],
      ['awaiting_third_party', 'open', 'none'],
      ['awaiting_third_party', 'in_progress', 'none'],
      ['awaiting_third_party', 'resolved', 'resolved_at'],
      ['awaiting_third_party', 'wont_fix', 'none'],
      ['resolved', 'open', 'reopen'],
      ['resolved', 'closed', 'closed_at'],
      ['wont_fix', 'open', 'reopen'],
      ['wont_fix', 'closed', 'closed_at'],
    ];

    it('covers every allowed move', () => {
      expect(MOVES.map(([from, to]) => `${from}->${to}`).sort()).toEqual(
        EXPECTED.filter(([, , allowed]) => allowed)
          .map(([from, to]) => `${from}->${to}`)
          .sort(),
      );
    });

    it.each(MOVES)('%s -> %s stamps %s', (from, to, effect) => {
      const expected = {
        none: { status: to },
        resolved_at: { status: to, resolved_at: now },
        closed_at: { status: to, closed_at: now },
        reopen: { status: to, reopen_count: 3, resolved_at: null, closed_at: null },
      }[effect];
      expect(statusChangeEffects({ status: from, reopen_count: 2 }, to, now)).toEqual(expected);
    });

    it.each(MOVES)('%s -> %s publishes status_changed, and resolved or reopened where it is one (%s)', (from, to, effect) => {
      const events = statusChangeEvents({ status: from, reopen_count: 2 }, to);
      expect(events[0]).toEqual({ type: 'ticket.status_changed', payload: { from, to } });
      expect(events.slice(1)).toEqual(
        effect === 'resolved_at'
          ? [{ type: 'ticket.resolved', payload: {} }]
          : effect === 'reopen'
            ? [{ type: 'ticket.reopened', payload: { reopen_count: 3 } }]
            : [],
      );
    });
  });

  describe('the resolution summary', () => {
    it.each(TICKET_STATUSES.map((status) => [status]))('moving to %s without a summary', (status) => {
      if (status === 'resolved') {
        expect(() => assertResolutionSummary(status, null)).toThrow(
          expect.objectContaining({ code: 'validation_failed', fieldErrors: [{ field: 'resolution_summary', message: 'is required to resolve a ticket' }] }),
        );
        expect(() => assertResolutionSummary(status, '')).toThrow(DomainError);
        expect(() => assertResolutionSummary(status, undefined)).toThrow(DomainError);
      } else {
        expect(() => assertResolutionSummary(status, null)).not.toThrow();
      }
      expect(() => assertResolutionSummary(status, 'Fixed the printer')).not.toThrow();
    });
  });

  describe('awaiting statuses', () => {
    it('are awaiting_customer and awaiting_third_party, the default pause statuses', () => {
      expect([...AWAITING_STATUSES]).toEqual(['awaiting_customer', 'awaiting_third_party']);
      expect(Object.isFrozen(AWAITING_STATUSES)).toBe(true);
    });

    it.each<[TicketStatus, boolean, TicketStatus | null]>([
      ['new', false, null],
      ['open', false, null],
      ['in_progress', false, null],
      ['awaiting_customer', true, 'open'],
      ['awaiting_third_party', true, 'open'],
      ['resolved', false, null],
      ['closed', false, null],
      ['wont_fix', false, null],
    ])('%s: awaiting %s; a requester reply moves it to %s', (status, awaiting, after) => {
      expect(isAwaitingStatus(status)).toBe(awaiting);
      expect(statusAfterRequesterReply(status)).toBe(after);
    });
  });
});
