import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey, KeyObject, randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@helpdesk/config';
import { RefreshTokensRepository, UserEntity, UsersRepository } from '@helpdesk/database';
import { DomainError } from '@helpdesk/domain';
import { AccessService } from '../access/access.service';
import { UserCache } from '../access/user-cache';
import { Principal } from '../access/principal';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords';
import { randomSecret, sha256 } from './tokens';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/**
 * What an access token says. `sid` is its session (the refresh-token family of the login it
 * descends from) and `ver` the user's token generation when it was issued: the token works only
 * while the family has no revoked token and `users.token_version` still equals `ver`.
 */
interface AccessClaims {
  sub: string;
  tid: string;
  typ: 'access';
  sid: string;
  ver: number;
}

const INVALID_CREDENTIALS = 'The email or password is not correct.';
const INVALID_ACCESS_TOKEN = 'The access token is not valid or has expired.';
const SESSION_ENDED =
  'The session of this access token has ended (a new password, a deactivation, or a refresh token of the session used twice): log in again.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class AuthService {
  /**
   * The HMAC key as a key object: given a string, jsonwebtoken first tries to parse it as a PEM
   * public key on every verification, which costs more than the verification itself.
   */
  private readonly signingKey: KeyObject;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly access: AccessService,
    private readonly userCache: UserCache,
  ) {
    this.signingKey = createSecretKey(Buffer.from(this.config.jwtSecret, 'utf8'));
  }

  async login(email: string, password: string, tenantSlug?: string): Promise<TokenPair> {
    const candidates = await this.users.findForLogin(email, tenantSlug);
    // The password decides among accounts of the same email in several tenants, so that an answer
    // never says an email exists: only a caller who knows the password of two of them is asked
    // for the tenant.
    const matching: typeof candidates = [];
    for (const candidate of candidates) if (await verifyPassword(candidate.password_hash ?? (await DUMMY_PASSWORD_HASH), password)) matching.push(candidate);
    if (candidates.length === 0) await verifyPassword(await DUMMY_PASSWORD_HASH, password);
    if (matching.length > 1) {
      throw DomainError.validation([{ field: 'tenant', message: 'this email and password hold in several tenants: name the tenant' }]);
    }
    const [user] = matching;
    if (!user || !user.active) throw new DomainError('unauthenticated', INVALID_CREDENTIALS);
    await this.users.recordLogin(user.tenant_id, user.id);
    return this.issue(user.tenant_id, user.id, randomUUID(), user.token_version);
  }

  /**
   * Rotates a refresh token: the presented one is spent and a new one of the same family issued.
   * Presenting a spent token again means it leaked: the whole family is revoked.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const result = await this.refreshTokens.consume(sha256(refreshToken));
    if (result.outcome === 'reused') {
      await this.refreshTokens.revokeFamily(result.token.family_id);
      // The family's access tokens stop at once in this process, within UserCache's TTL elsewhere.
      this.userCache.evict(result.token.tenant_id, result.token.user_id);
      throw new DomainError('unauthenticated', 'This refresh token was already used; every session of its family is now revoked.');
    }
    if (result.outcome === 'invalid') throw new DomainError('unauthenticated', 'The refresh token is not valid.');
    // The family may have been revoked since the token was spent (a concurrent reuse): no new pair then.
    const session = await this.users.findForSession(result.token.tenant_id, result.token.user_id, result.token.family_id);
    if (!session?.user.active || !session.sessionLive) throw new DomainError('unauthenticated', 'The refresh token is not valid.');
    return this.issue(session.user.tenant_id, session.user.id, result.token.family_id, session.tokenVersion);
  }

  async authenticateAccessToken(token: string): Promise<Principal> {
    let claims: AccessClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessClaims>(token, { secret: this.signingKey as unknown as string, algorithms: ['HS256'] });
    } catch {
      throw new DomainError('unauthenticated', INVALID_ACCESS_TOKEN);
    }
    // A token without a session (issued before sessions were checked) is refused: the client refreshes.
    if (claims.typ !== 'access' || !isUuid(claims.sub) || !isUuid(claims.tid) || !isUuid(claims.sid) || !Number.isSafeInteger(claims.ver)) {
      throw new DomainError('unauthenticated', INVALID_ACCESS_TOKEN);
    }
    const found = await this.userCache.get(claims.tid, claims.sub, claims.sid);
    if (!found?.user.active) throw new DomainError('unauthenticated', 'The account behind this token is not active.');
    if (!found.sessionLive || found.tokenVersion !== claims.ver) throw new DomainError('unauthenticated', SESSION_ENDED);
    return this.principalOf(found.user);
  }

  async principalOf(user: UserEntity): Promise<Principal> {
    const attributes = {
      id: user.id,
      email: user.email,
      role: user.role,
      team_ids: user.team_ids,
      franchise_id: user.franchise_id,
      region: user.region,
    };
    return {
      kind: 'user',
      id: user.id,
      tenantId: user.tenant_id,
      role: user.role,
      attributes,
      scopes: null,
      rateLimit: user.rate_limit,
      ability: await this.access.abilityFor(user.tenant_id, user.role, attributes, null),
    };
  }

  private async issue(tenantId: string, userId: string, familyId: string, tokenVersion: number): Promise<TokenPair> {
    const claims: AccessClaims = { sub: userId, tid: tenantId, typ: 'access', sid: familyId, ver: tokenVersion };
    const access_token = await this.jwt.signAsync(claims, {
      secret: this.signingKey as unknown as string,
      algorithm: 'HS256',
      expiresIn: this.config.accessTokenTtlSeconds,
      jwtid: randomUUID(),
    });
    const refresh_token = randomSecret('rt_');
    await this.refreshTokens.insert({
      tenant_id: tenantId,
      user_id: userId,
      family_id: familyId,
      token_hash: sha256(refresh_token),
      expires_at: new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000),
    });
    return { access_token, refresh_token, token_type: 'Bearer', expires_in: this.config.accessTokenTtlSeconds };
  }
}

function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
