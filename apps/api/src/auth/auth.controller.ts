import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService, TokenPair } from '@helpdesk/core';
import { DomainError } from '@helpdesk/domain';
import { ApiProblems } from '../common/api-docs';
import { Public } from '../common/decorators';
import { LoginDto, RefreshDto, TokenPairDto } from './dto/login.dto';
import { LoginBackoff } from './login-backoff';
import { ApiMetrics } from '../metrics/api-metrics';

@ApiTags('auth')
@Public()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly backoff: LoginBackoff,
    private readonly metrics: ApiMetrics,
  ) {}

  /**
   * Failed logins back off per account and per client address (LoginBackoff). While a lockout
   * holds, the answer is 429 with Retry-After, the same for every account, known or not, and the
   * password is not looked at.
   */
  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange email and password for a short-lived access token and a refresh token; failed attempts back off (429 with Retry-After)',
    description:
      'The email may exist in several tenants: then the password decides, or `tenant` names one. While a lockout holds, the answer is 429 for every account, known or not.',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(401, 422, 429)
  async login(@Body() body: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokenPair> {
    const attempt = await this.backoff.attempt(body.email, request.ip);
    if (!attempt.allowed) {
      this.metrics.loginBackoffRefusals.inc();
      void reply.header('Retry-After', String(attempt.retryAfterSeconds));
      throw new DomainError('rate_limited', `Too many failed logins; retry in ${attempt.retryAfterSeconds} s.`, {
        retry_after_seconds: attempt.retryAfterSeconds,
      });
    }
    const pair = await this.auth.login(body.email, body.password, body.tenant);
    await this.backoff.succeeded(attempt);
    return pair;
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate a refresh token; reusing a spent one revokes its whole family and ends its access tokens',
    description: 'Answers a new pair; the refresh token given is spent. 401 for an unknown, expired, spent or revoked token.',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(401, 422, 429)
  refresh(@Body() body: RefreshDto): Promise<TokenPair> {
    return this.auth.refresh(body.refresh_token);
  }
}
