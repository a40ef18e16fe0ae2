/**
 * The vocabulary of access rules. Roles are rows of CASL rules over these actions and subjects;
 * `manage` and `all` are CASL's wildcards.
 */
export const ACTIONS = ['manage', 'read', 'create', 'update', 'delete', 'assign', 'escalate', 'transition', 'audit'] as const;
export type Action = (typeof ACTIONS)[number];

export const SUBJECTS = [
  'all',
  'Ticket',
  'Message',
  'Watcher',
  'Attachment',
  'Audit',
  'Export',
  'User',
  'Team',
  'Role',
  'SlaPolicy',
  'ApiKey',
  'Webhook',
] as const;
export type Subject = (typeof SUBJECTS)[number];

/** API key scopes narrow the key's role to these (action, subject) pairs; they never widen it. */
export const API_KEY_SCOPES = {
  'tickets:read': [
    ['read', 'Ticket'],
    ['read', 'Message'],
    ['read', 'Watcher'],
    ['read', 'Attachment'],
  ],
  'tickets:write': [
    ['create', 'Ticket'],
    ['update', 'Ticket'],
    ['delete', 'Ticket'],
    ['assign', 'Ticket'],
    ['escalate', 'Ticket'],
    ['transition', 'Ticket'],
    ['create', 'Message'],
    ['create', 'Watcher'],
    ['update', 'Watcher'],
    ['delete', 'Watcher'],
    ['create', 'Attachment'],
  ],
  'audit:read': [['read', 'Audit']],
  'exports:write': [
    ['create', 'Export'],
    ['read', 'Export'],
  ],
  admin: [
    ['manage', 'User'],
    ['manage', 'Team'],
    ['manage', 'Role'],
    ['manage', 'SlaPolicy'],
    ['manage', 'ApiKey'],
    ['manage', 'Webhook'],
  ],
} as const satisfies Record<string, ReadonlyArray<readonly [Action, Subject]>>;
export type ApiKeyScope = keyof typeof API_KEY_SCOPES;
export const API_KEY_SCOPE_NAMES = Object.keys(API_KEY_SCOPES) as ApiKeyScope[];
