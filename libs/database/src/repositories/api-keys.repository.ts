import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiKeyScope } from '@helpdesk/domain';
import { ApiKeyEntity } from '../entities';
import { keysetPage, Page, PageRequest } from '../pagination';
import type { AccessCondition } from '../sql';

export interface ApiKeyFields {
  name: string;
  key_prefix: string;
  key_hash: string;
  role: string;
  scopes: ApiKeyScope[];
  rate_limit: number | null;
  expires_at: Date | null;
  created_by: string | null;
}

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(tenantId: string, fields: ApiKeyFields): Promise<ApiKeyEntity> {
    const manager = this.dataSource.manager;
    const saved = await manager.save(manager.create(ApiKeyEntity, { ...fields, tenant_id: tenantId }));
    delete (saved as Partial<ApiKeyEntity>).key_hash;
    return saved;
  }

  /** `access` is the caller's read condition on alias `k`. */
  list(tenantId: string, page: PageRequest, access: AccessCondition): Promise<Page<ApiKeyEntity>> {
    const query = this.dataSource.manager
      .createQueryBuilder(ApiKeyEntity, 'k')
      .where('k.tenant_id = :tenantId', { tenantId })
      .andWhere(`(${access.sql})`, access.params);
    return keysetPage(query, 'api_keys', tenantId, page);
  }

  findById(tenantId: string, id: string): Promise<ApiKeyEntity | null> {
    return this.dataSource.manager.findOneBy(ApiKeyEntity, { tenant_id: tenantId, id });
  }

  /** The key's own hash is the lookup: the tenant comes from the key, never from the client. */
  findByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.dataSource.manager.findOneBy(ApiKeyEntity, { key_hash: keyHash });
  }

  async revoke(tenantId: string, id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      'UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id',
      [tenantId, id],
    );
    return (rows[0] as unknown[]).length > 0;
  }

  /** Writes last_used_at at most once a minute per key, so that reads do not become writes. */
  async touch(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
