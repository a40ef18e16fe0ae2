import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ApiKeyEntity, ApiKeysRepository, Page, PageRequest, RolesRepository } from '@helpdesk/database';
import { API_KEY_SCOPE_NAMES, ApiKeyScope, DomainError, FieldError } from '@helpdesk/domain';
import { AccessService } from '../access/access.service';
import { CredentialPolicy } from '../access/credential-policy';
import { Actor, assertMayCreate, assertRecordAccess, readCondition, userIdOf } from '../access/actor';
import { Principal } from '../access/principal';
import { sha256 } from '../auth/tokens';

export interface CreateApiKeyInput {
  name: string;
  role: string;
  scopes: ApiKeyScope[];
  rate_limit?: number | null;
  expires_at?: Date | null;
}

const KEY_FORMAT = /^hd_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Keys look like `hd_<8-char prefix>_<secret>`; only a SHA-256 of the whole key is stored. */
function generateKey(): { key: string; prefix: string } {
  const prefix = Array.from(randomBytes(8), (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
  return { key: `hd_${prefix}_${randomBytes(32).toString('base64url')}`, prefix: `hd_${prefix}` };
}

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly roles: RolesRepository,
    private readonly access: AccessService,
    private readonly credentials: CredentialPolicy,
  ) {}

  async create(actor: Actor, input: CreateApiKeyInput): Promise<ApiKeyEntity & { key: string }> {
    const tenantId = actor.tenantId;
    const createdBy = userIdOf(actor);
    assertMayCreate(actor, 'ApiKey', { role: input.role, created_by: createdBy }, 'API key');
    const errors: FieldError[] = [];
    if (!(await this.roles.findByName(tenantId, input.role))) errors.push({ field: 'role', message: `role "${input.role}" does not exist` });
    const unknown = input.scopes.filter((s) => !API_KEY_SCOPE_NAMES.includes(s));
    if (unknown.length) errors.push({ field: 'scopes', message: `unknown scope(s): ${unknown.join(', ')}` });
    if (input.expires_at && input.expires_at.getTime() <= Date.now()) errors.push({ field: 'expires_at', message: 'must be in the future' });
    if (errors.length) throw DomainError.validation(errors);
    await this.credentials.assertWithinCallerPower(actor, { role: input.role, scopes: input.scopes }, 'an API key');
    const { key, prefix } = generateKey();
    const created = await this.keys.create(tenantId, {
      name: input.name,
      key_prefix: prefix,
      key_hash: sha256(key),
      role: input.role,
      scopes: [...new Set(input.scopes)],
      rate_limit: input.rate_limit ?? null,
      expires_at: input.expires_at ?? null,
      created_by: createdBy,
    });
    return { ...created, key };
  }

  list(actor: Actor, page: PageRequest): Promise<Page<ApiKeyEntity>> {
    return this.keys.list(actor.tenantId, page, readCondition(actor, 'ApiKey', 'k'));
  }

  async get(actor: Actor, id: string): Promise<ApiKeyEntity> {
    return assertRecordAccess(actor, 'read', 'ApiKey', await this.keys.findById(actor.tenantId, id), 'API key');
  }

  async revoke(actor: Actor, id: string): Promise<ApiKeyEntity> {
    assertRecordAccess(actor, 'delete', 'ApiKey', await this.keys.findById(actor.tenantId, id), 'API key');
    await this.keys.revoke(actor.tenantId, id);
    return this.get(actor, id);
  }

  async authenticate(rawKey: string): Promise<Principal> {
    const invalid = new DomainError('unauthenticated', 'The API key is not valid.');
    if (!KEY_FORMAT.test(rawKey)) throw invalid;
    const key = await this.keys.findByHash(sha256(rawKey));
    if (!key) throw invalid;
    if (key.revoked_at) throw new DomainError('unauthenticated', 'The API key has been revoked.');
    if (key.expires_at && key.expires_at.getTime() <= Date.now()) throw new DomainError('unauthenticated', 'The API key has expired.');
    await this.keys.touch(key.id);
    const attributes = { id: key.id, email: null, role: key.role, team_ids: [], franchise_id: null, region: null };
    return {
      kind: 'api_key',
      id: key.id,
      tenantId: key.tenant_id,
      role: key.role,
      attributes,
      scopes: key.scopes,
      rateLimit: key.rate_limit,
      ability: await this.access.abilityFor(key.tenant_id, key.role, attributes, key.scopes),
    };
  }
}
