import type { AppAbility, PrincipalAttributes } from '@helpdesk/access';
import type { ApiKeyScope } from '@helpdesk/domain';

/** Who is calling: a user (JWT) or a system (API key), always bound to one tenant by its credential. */
export interface Principal {
  kind: 'user' | 'api_key';
  /** The user's id, or the API key's id. */
  id: string;
  tenantId: string;
  role: string;
  attributes: PrincipalAttributes;
  scopes: ApiKeyScope[] | null;
  /** Requests per window; null means the configured default. */
  rateLimit: number | null;
  ability: AppAbility;
}

/** Whether the principal's credential carries `scope` (a user's carries every scope of their role). */
export function carriesScope(principal: Principal, scope: ApiKeyScope): boolean {
  return principal.scopes === null || principal.scopes.includes(scope);
}
