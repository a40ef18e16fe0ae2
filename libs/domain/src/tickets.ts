export const TICKET_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export const TICKET_STATUSES = ['new', 'open', 'in_progress', 'awaiting_customer', 'awaiting_third_party', 'resolved', 'closed', 'wont_fix'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const TICKET_TYPES = ['bug', 'feature', 'support', 'task', 'question', 'incident'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

export const SLA_STATES = ['on_track', 'near_breach', 'breached', 'paused', 'met'] as const;
export type SlaState = (typeof SLA_STATES)[number];

/** Statuses in which the SLA clock stops by default. */
export const DEFAULT_PAUSE_STATUSES: TicketStatus[] = ['awaiting_customer', 'awaiting_third_party'];
