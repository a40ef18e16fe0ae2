import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RefreshTokenEntity } from '../entities';

export type ConsumeResult = { outcome: 'consumed'; token: RefreshTokenEntity } | { outcome: 'reused'; token: RefreshTokenEntity } | { outcome: 'invalid' };

@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(token: Pick<RefreshTokenEntity, 'tenant_id' | 'user_id' | 'family_id' | 'token_hash' | 'expires_at'>): Promise<void> {
    await this.dataSource.manager.insert(RefreshTokenEntity, token);
  }

  /**
   * Marks the token used in one conditional UPDATE, so that two concurrent refreshes with the
   * same token cannot both succeed: the loser sees a used token, which is reuse.
   */
  async consume(tokenHash: string): Promise<ConsumeResult> {
    const [rows] = await this.dataSource.query(
      `UPDATE refresh_tokens SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
       RETURNING *`,
      [tokenHash],
    );
    if (rows.length > 0) return { outcome: 'consumed', token: rows[0] };
    const token = await this.dataSource.manager.findOneBy(RefreshTokenEntity, { token_hash: tokenHash });
    if (token && token.used_at) return { outcome: 'reused', token };
    return { outcome: 'invalid' };
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.dataSource.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
  }

  async revokeUser(tenantId: string, userId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query('UPDATE refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL', [tenantId, userId]);
  }
}
