import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Action, Subject } from '@helpdesk/domain';
import { DomainError } from '@helpdesk/domain';
import { REQUIRED_PERMISSION, RequestWithPrincipal } from './decorators';

/** Checks the route's coarse permission ("may this caller create users at all?"). */
@Injectable()
export class PermissionsGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.get<{ action: Action; subject: Subject } | undefined>(REQUIRED_PERMISSION, context.getHandler());
    if (!required) return true;
    const principal = context.switchToHttp().getRequest<RequestWithPrincipal>().principal;
    if (!principal?.ability.can(required.action, required.subject)) {
      throw new DomainError('forbidden', `Your role may not ${required.action} ${required.subject} resources.`);
    }
    return true;
  }
}
