/**
 * Credentials never hand out more power than they carry, every write needs the write scope, and
 * contact details are for those who manage the user (docs/security.md).
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, createTenant, createUser, dataSourceOf, expectProblem, RunningApp, startApi, TEST_PASSWORD, TestTenant, TestUser } from '@helpdesk/testing';
import { API_OVERRIDES, newTicket } from './tickets-fixtures';

const ALL_SCOPES = ['tickets:read', 'tickets:write', 'audit:read', 'exports:write', 'admin'];

describe('credential power and write scopes', () => {
  let api: RunningApp;
  let tenant: TestTenant;

  const db = () => dataSourceOf(api);
  const count = async (table: string) => (await db().query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenant.id]))[0].n as number;
  const createKey = async (token: string, role: string, scopes: string[]) => {
    const response = await request(api.url)
      .post('/api/v1/admin/api-keys')
      .set(...bearer(token))
      .send({ name: `key ${randomBytes(3).toString('hex')}`, role, scopes });
    if (response.status !== 201) throw new Error(`creating a ${role} key failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.key as string;
  };
  const withKey = (key: string, method: 'get' | 'post' | 'patch', path: string, body?: object) => {
    const req = request(api.url)[method](`/api/v1${path}`).set('x-api-key', key);
    return body === undefined ? req : req.send(body);
  };

  beforeAll(async () => {
    api = await startApi(API_OVERRIDES);
    tenant = await createTenant(api);
  });
  afterAll(() => api.close());

  describe('an API key creates nothing with more power than its own', () => {
    let adminOnlyKey: string;
    let fullAdminKey: string;
    beforeAll(async () => {
      adminOnlyKey = await createKey(tenant.adminToken, 'admin', ['admin']);
      fullAdminKey = await createKey(tenant.adminToken, 'admin', ALL_SCOPES);
    });

    it('refuses a key with scopes it lacks (403, nothing stored), and allows one within its own', async () => {
      const keys = await count('api_keys');
      for (const scopes of [ALL_SCOPES, ['tickets:write'], ['admin', 'tickets:read']]) {
        const response = await withKey(adminOnlyKey, 'post', '/admin/api-keys', { name: 'wider', role: 'admin', scopes });
        expectProblem(response, 403, 'forbidden');
        expect(response.body.detail).toContain('lacks the scope');
      }
      expect(await count('api_keys')).toBe(keys);
      const narrower = await withKey(adminOnlyKey, 'post', '/admin/api-keys', { name: 'same', role: 'admin', scopes: ['admin'] });
      expect(narrower.status).toBe(201);
      const fromFull = await withKey(fullAdminKey, 'post', '/admin/api-keys', { name: 'narrower', role: 'hq_support', scopes: ['tickets:read'] });
      expect(fromFull.status).toBe(201);
    });

    it('refuses to create or empower a user (who signs in with every scope) unless it carries every scope', async () => {
      const users = await count('users');
      const created = await withKey(adminOnlyKey, 'post', '/admin/users', {
        email: `minted-${randomBytes(3).toString('hex')}@x.test`,
        name: 'Minted',
        role: 'admin',
        password: TEST_PASSWORD,
      });
      expectProblem(created, 403, 'forbidden');
      const requesterUser = await withKey(adminOnlyKey, 'post', '/admin/users', {
        email: `r-${randomBytes(3).toString('hex')}@x.test`,
        name: 'R',
        role: 'requester',
      });
      expectProblem(requesterUser, 403, 'forbidden');
      expect(await count('users')).toBe(users);

      const victim = await createUser(api, tenant, 'requester');
      const hashBefore = (await db().query('SELECT password_hash, role FROM users WHERE id = $1', [victim.id]))[0];
      expectProblem(await withKey(adminOnlyKey, 'patch', `/admin/users/${victim.id}`, { password: 'a-new-password-123' }), 403, 'forbidden');
      expectProblem(await withKey(adminOnlyKey, 'patch', `/admin/users/${victim.id}`, { role: 'admin' }), 403, 'forbidden');
      expect((await db().query('SELECT password_hash, role FROM users WHERE id = $1', [victim.id]))[0]).toEqual(hashBefore);
      // A change that mints nothing is still fine.
      expect((await withKey(adminOnlyKey, 'patch', `/admin/users/${victim.id}`, { name: 'Renamed' })).status).toBe(200);

      const allowed = await withKey(fullAdminKey, 'post', '/admin/users', {
        email: `ok-${randomBytes(3).toString('hex')}@x.test`,
        name: 'OK',
        role: 'requester',
        password: TEST_PASSWORD,
      });
      expect(allowed.status).toBe(201);
    });

    it('refuses a key acting as another role unless its own role is unrestricted', async () => {
      // A custom role that may manage API keys but is not unrestricted.
      const role = `key_manager_${randomBytes(3).toString('hex')}`;
      await request(api.url)
        .post('/api/v1/admin/roles')
        .set(...bearer(tenant.adminToken))
        .send({
          name: role,
          description: 'manages keys',
          rules: [
            { action: 'manage', subject: 'ApiKey' },
            { action: 'read', subject: 'Ticket' },
          ],
        })
        .expect(201);
      const managerKey = await createKey(tenant.adminToken, role, ALL_SCOPES);
      const keys = await count('api_keys');
      const asAdmin = await withKey(managerKey, 'post', '/admin/api-keys', { name: 'escalated', role: 'admin', scopes: ['tickets:read'] });
      expectProblem(asAdmin, 403, 'forbidden');
      expect(asAdmin.body.detail).toContain('unrestricted');
      expect(await count('api_keys')).toBe(keys);
      expect((await withKey(managerKey, 'post', '/admin/api-keys', { name: 'same role', role, scopes: ['tickets:read'] })).status).toBe(201);
    });
  });

  describe('every write needs the write scope, whatever the role allows', () => {
    it('refuses a read-only key of the owner role the acknowledgement of an escalation (403, nothing written)', async () => {
      // Escalated one step, the ticket goes to hq_support, a role that reads every ticket.
      await request(api.url)
        .put('/api/v1/admin/sla-policies/high')
        .set(...bearer(tenant.adminToken))
        .send({ first_response_minutes: 60, resolution_minutes: 600, escalation_chain: ['ops_agent', 'hq_support', 'regional_manager'] })
        .expect(200);
      const ticket = await newTicket(api, tenant.adminToken, { priority: 'high' });
      const escalated = await request(api.url)
        .post(`/api/v1/tickets/${ticket.id}/escalate`)
        .set(...bearer(tenant.adminToken))
        .send({ reason: 'Needs the next level' });
      expect(escalated.status).toBe(200);
      const ownerRole = (await db().query('SELECT owner_role FROM tickets WHERE id = $1', [ticket.id]))[0].owner_role as string;
      expect(ownerRole).toBe('hq_support');
      const readOnly = await createKey(tenant.adminToken, ownerRole, ['tickets:read']);
      await withKey(readOnly, 'get', `/tickets/${ticket.id}`).expect(200);
      expectProblem(await withKey(readOnly, 'post', `/tickets/${ticket.id}/escalation/acknowledge`, {}), 403, 'forbidden');
      expect(
        (await db().query('SELECT acknowledged_at FROM ticket_escalations WHERE ticket_id = $1', [ticket.id])).map(
          (r: { acknowledged_at: Date | null }) => r.acknowledged_at,
        ),
      ).toEqual([null]);

      const writer = await createKey(tenant.adminToken, ownerRole, ['tickets:read', 'tickets:write']);
      expect((await withKey(writer, 'post', `/tickets/${ticket.id}/escalation/acknowledge`, {})).status).toBe(200);
    });
  });

  describe('contact details are for those who manage the user', () => {
    let subject: TestUser;
    let agents: Record<string, TestUser>;
    beforeAll(async () => {
      subject = await createUser(api, tenant, 'ops_agent', { phone: '+15550100', push_tokens: ['device-token-1'] });
      agents = Object.fromEntries(
        await Promise.all(
          ['hq_support', 'ops_manager', 'ops_agent', 'regional_manager', 'auditor', 'finance', 'ceo_oncall'].map(
            async (role) => [role, await createUser(api, tenant, role)] as const,
          ),
        ),
      );
    });

    it('shows phone and push tokens to the admin, and to no other role, on a read and in the list', async () => {
      const admin = await request(api.url)
        .get(`/api/v1/admin/users/${subject.id}`)
        .set(...bearer(tenant.adminToken))
        .expect(200);
      expect(admin.body).toMatchObject({ phone: '+15550100', push_tokens: ['device-token-1'] });
      for (const [role, user] of Object.entries(agents)) {
        const read = await request(api.url)
          .get(`/api/v1/admin/users/${subject.id}`)
          .set(...bearer(user.token));
        if (read.status !== 200) continue; // a role that may not read users at all sees nothing anyway
        expect({ role, keys: Object.keys(read.body).filter((key) => key === 'phone' || key === 'push_tokens') }).toEqual({ role, keys: [] });
        const list = await request(api.url)
          .get('/api/v1/admin/users?limit=100')
          .set(...bearer(user.token))
          .expect(200);
        const listed = list.body.data.find((u: { id: string }) => u.id === subject.id);
        expect(listed).toBeDefined();
        expect({ role, phone: listed.phone, push_tokens: listed.push_tokens }).toEqual({ role, phone: undefined, push_tokens: undefined });
      }
    });
  });
});
