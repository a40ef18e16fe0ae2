import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { testDatabaseUrl, uniqueSlug } from '@helpdesk/testing';

/**
 * ticket_audit is append-only in the database itself (triggers), whatever the application does.
 * Every statement that would change or remove a row runs in a transaction that is rolled back,
 * so that a broken trigger fails this test without wiping the audit rows of the other tests.
 */
describe('ticket_audit is append-only', () => {
  let client: Client;
  let tenantId: string;
  let auditId: string;
  const ticketId = randomUUID();
  let original: Record<string, unknown>;

  const readRow = async (id: string) => (await client.query('SELECT * FROM ticket_audit WHERE id = $1', [id])).rows[0];

  /** Runs `sql` in a transaction that is always rolled back; returns the error it raised, if any. */
  async function attempt(sql: string, params: unknown[] = []): Promise<(Error & { code?: string }) | null> {
    await client.query('BEGIN');
    try {
      await client.query(sql, params);
      return null;
    } catch (error) {
      return error as Error & { code?: string };
    } finally {
      await client.query('ROLLBACK');
    }
  }

  beforeAll(async () => {
    client = new Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    const slug = uniqueSlug('audit');
    tenantId = (await client.query('INSERT INTO tenants (name, slug) VALUES ($1, $2) RETURNING id', [`Audit ${slug}`, slug])).rows[0].id;
    const inserted = await client.query(
      `INSERT INTO ticket_audit (tenant_id, ticket_id, actor_type, actor_id, action, changes, ip, request_id, prev_hash, hash)
       VALUES ($1, $2, 'user', $3, 'ticket.created', $4, '10.0.0.1', 'req-1', NULL, 'hash-1') RETURNING *`,
      [tenantId, ticketId, randomUUID(), JSON.stringify({ status: [null, 'new'] })],
    );
    original = inserted.rows[0];
    auditId = original.id as string;
  });

  afterAll(() => client.end());

  it('refuses UPDATE of a row', async () => {
    const error = await attempt(`UPDATE ticket_audit SET action = 'tampered', hash = 'forged' WHERE id = $1`, [auditId]);
    expect(error?.message).toMatch(/append-only/);
    expect(error?.message).toMatch(/UPDATE/);
    expect(error?.code).toBe('42501');
    expect(await readRow(auditId)).toEqual(original);
  });

  it('refuses DELETE of a row', async () => {
    const error = await attempt('DELETE FROM ticket_audit WHERE tenant_id = $1', [tenantId]);
    expect(error?.message).toMatch(/append-only/);
    expect(error?.message).toMatch(/DELETE/);
    expect(await readRow(auditId)).toEqual(original);
  });

  it('refuses TRUNCATE of the table', async () => {
    const error = await attempt('TRUNCATE ticket_audit');
    expect(error?.message).toMatch(/append-only/);
    expect(error?.message).toMatch(/TRUNCATE/);
    expect(await readRow(auditId)).toEqual(original);
  });

  it('keeps the row unchanged after all of that, and still accepts INSERT', async () => {
    expect(await readRow(auditId)).toEqual(original);
    const next = await client.query(
      `INSERT INTO ticket_audit (tenant_id, ticket_id, actor_type, action, prev_hash, hash)
       VALUES ($1, $2, 'system', 'ticket.updated', 'hash-1', 'hash-2') RETURNING id, seq`,
      [tenantId, ticketId],
    );
    expect(BigInt(next.rows[0].seq)).toBeGreaterThan(BigInt(original.seq as string));
    const rows = await client.query('SELECT action, hash FROM ticket_audit WHERE tenant_id = $1 ORDER BY seq', [tenantId]);
    expect(rows.rows).toEqual([
      { action: 'ticket.created', hash: 'hash-1' },
      { action: 'ticket.updated', hash: 'hash-2' },
    ]);
  });
});
