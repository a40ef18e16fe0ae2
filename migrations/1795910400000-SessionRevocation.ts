import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Access tokens that end with their session: `users.token_version` is the generation every
 * access token carries (`ver`) and must still match, moved on by a new password or a
 * deactivation; the partial index makes "was any token of this refresh family (session, `sid`)
 * revoked?" one index probe per uncached request.
 */
export class SessionRevocation1795910400000 implements MigrationInterface {
  name = 'SessionRevocation1795910400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0 CHECK (token_version >= 0);
      CREATE INDEX refresh_tokens_revoked_family_idx ON refresh_tokens (family_id) WHERE revoked_at IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX refresh_tokens_revoked_family_idx;
      ALTER TABLE users DROP COLUMN token_version;
    `);
  }
}
