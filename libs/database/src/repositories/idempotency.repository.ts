import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface StoredResponse {
  request_hash: string;
  response_status: number | null;
  response_body: unknown;
}

/** Idempotency keys per tenant and caller; the row is claimed in the transaction of the work. */
@Injectable()
export class IdempotencyRepository {
  /**
   * Claims the key, or returns what the first request with it stored. A concurrent request with
   * the same key waits on the unique index until the first one commits, then reads its answer.
   */
  async claim(manager: EntityManager, tenantId: string, principal: string, key: string, requestHash: string): Promise<StoredResponse | null> {
    const inserted = await manager.query(
      `INSERT INTO idempotency_keys (tenant_id, principal, key, request_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, principal, key) DO NOTHING RETURNING key`,
      [tenantId, principal, key, requestHash],
    );
    if (inserted.length > 0) return null;
    const [stored] = await manager.query(
      'SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE tenant_id = $1 AND principal = $2 AND key = $3',
      [tenantId, principal, key],
    );
    return stored;
  }

  async complete(
    manager: EntityManager,
    tenantId: string,
    principal: string,
    key: string,
    status: number,
    body: unknown,
    resourceId: string | null,
  ): Promise<void> {
    await manager.query(
      'UPDATE idempotency_keys SET response_status = $4, response_body = $5::jsonb, resource_id = $6 WHERE tenant_id = $1 AND principal = $2 AND key = $3',
      [tenantId, principal, key, status, JSON.stringify(body), resourceId],
    );
  }
}
