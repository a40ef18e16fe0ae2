import { DONE_STATUSES, TICKET_PRIORITIES } from '@helpdesk/domain';

/** Domain constants as SQL literals: they are fixed identifiers, never input, and checked to be so. */
function textList(values: readonly string[]): string {
  for (const value of values) if (!/^[a-z_]+$/.test(value)) throw new Error(`Not a SQL-safe domain constant: ${value}`);
  return values.map((value) => `'${value}'`).join(', ');
}

/** `'resolved', 'closed', 'wont_fix'`: the statuses in which a ticket's work is done (libs/domain). */
export const DONE_STATUSES_SQL = textList(DONE_STATUSES);

/** Priorities from lowest to highest, for ordering by `array_position(PRIORITY_ORDER_SQL, priority)`. */
export const PRIORITY_ORDER_SQL = `ARRAY[${textList(TICKET_PRIORITIES)}]::text[]`;
