import { Injectable } from '@nestjs/common';
import { isUnrestricted } from '@helpdesk/access';
import { API_KEY_SCOPE_NAMES, ApiKeyScope, DomainError } from '@helpdesk/domain';
import { AccessService } from './access.service';
import { Actor } from './actor';

/** The power a credential carries: the role it acts as, narrowed by scopes (null: every scope, as a user signs in with). */
export interface CredentialPower {
  role: string;
  scopes: readonly ApiKeyScope[] | null;
}

/**
 * A credential never hands out more power than it has: an API key it creates, or a user it
 * creates or changes (who signs in with every scope of their role), may carry only scopes the
 * caller carries, and only the caller's own role unless the caller's role is unrestricted.
 * The system (an operator at the command line, the worker) is not bound: it holds no credential.
 */
@Injectable()
export class CredentialPolicy {
  constructor(private readonly access: AccessService) {}

  async assertWithinCallerPower(caller: Actor, target: CredentialPower, what: string): Promise<void> {
    if (caller.kind === 'system') return;
    const wanted = target.scopes ?? API_KEY_SCOPE_NAMES;
    const missing = caller.scopes === null ? [] : wanted.filter((scope) => !caller.scopes!.includes(scope));
    if (missing.length) {
      throw new DomainError('forbidden', `This credential may not create ${what} with more power than its own: it lacks the scope(s) ${missing.join(', ')}.`, {
        missing_scopes: missing,
      });
    }
    if (target.role !== caller.role && !isUnrestricted(await this.access.rulesOf(caller.tenantId, caller.role))) {
      throw new DomainError('forbidden', `Only an unrestricted role may create ${what} acting as another role ("${target.role}").`);
    }
  }
}
