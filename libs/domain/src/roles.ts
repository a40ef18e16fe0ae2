/** The roles every tenant is seeded with. Roles are data: admins may add more. */
export const SEEDED_ROLES = [
  'admin',
  'hq_support',
  'regional_manager',
  'ops_manager',
  'ops_agent',
  'franchise_agent',
  'finance',
  'ceo_oncall',
  'auditor',
  'requester',
] as const;
export type SeededRole = (typeof SEEDED_ROLES)[number];

export const ROLE_NAME_PATTERN = /^[a-z][a-z0-9_]{1,62}$/;
