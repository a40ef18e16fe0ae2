import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { ApiKeysService, AuthService } from '@helpdesk/core';
import { DomainError } from '@helpdesk/domain';
import { IS_PUBLIC, RequestWithPrincipal } from './decorators';

/** Resolves the credential (Bearer JWT or x-api-key) to a tenant-bound principal. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithPrincipal>();
    const apiKey = request.headers['x-api-key'];
    const authorization = request.headers.authorization;
    if (typeof apiKey === 'string' && apiKey) {
      request.principal = await this.apiKeys.authenticate(apiKey);
    } else if (authorization?.startsWith('Bearer ')) {
      request.principal = await this.auth.authenticateAccessToken(authorization.slice('Bearer '.length).trim());
    } else {
      throw new DomainError('unauthenticated', 'This route needs a credential: Authorization: Bearer <token> or x-api-key.');
    }
    return true;
  }
}
