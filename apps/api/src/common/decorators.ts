import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Action, Subject } from '@helpdesk/domain';
import type { Principal, RequestMeta } from '@helpdesk/core';

export const IS_PUBLIC = 'helpdesk:public';
export const SKIP_RATE_LIMIT = 'helpdesk:skip-rate-limit';
export const REQUIRED_PERMISSION = 'helpdesk:permission';

/** No credential needed (login, refresh, health). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Not counted against any rate limit (health probes). */
export const SkipRateLimit = () => SetMetadata(SKIP_RATE_LIMIT, true);

/** The coarse permission a route needs; services still check the loaded record. */
export const RequirePermission = (action: Action, subject: Subject) => SetMetadata(REQUIRED_PERMISSION, { action, subject });

export type RequestWithPrincipal = { principal?: Principal };

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});

/** Where the request came from, for use cases that write audit rows (the caller is CurrentPrincipal). */
export const Meta = createParamDecorator((_: unknown, context: ExecutionContext): RequestMeta => {
  const request = context.switchToHttp().getRequest<{ ip?: string; id?: string }>();
  return { ip: request.ip ?? null, requestId: request.id ? String(request.id) : null };
});
