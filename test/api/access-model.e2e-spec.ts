/**
 * docs/security.md's table of the seeded roles, row by row, against the running api: the written
 * access model and the code cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, createTenant, createUser, ROOT, RunningApp, startApi, TestTenant, TestUser } from '@helpdesk/testing';
import { API_OVERRIDES, createTeam, newTicket } from './tickets-fixtures';

interface Row {
  role: string;
  ticketFields: 'all' | 'requester view';
  slaView: 'yes' | 'no';
  contactDetails: 'shown' | 'hidden' | 'no access';
  createsCredentials: 'yes' | 'no';
}

function documentedRows(): Row[] {
  const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
  const table = doc.slice(doc.indexOf('<!-- access-table'), doc.indexOf('<!-- /access-table -->'));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| role') && !line.startsWith('| ---'))
    .map((line) => {
      const [role, ticketFields, slaView, contactDetails, createsCredentials] = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      return { role, ticketFields, slaView, contactDetails, createsCredentials } as Row;
    });
}

describe('the access model of docs/security.md', () => {
  const rows = documentedRows();
  let api: RunningApp;
  let tenant: TestTenant;
  let users: Record<string, TestUser & { token: string }>;
  let ticketId: string;
  let contactSubject: TestUser;

  beforeAll(async () => {
    api = await startApi(API_OVERRIDES);
    tenant = await createTenant(api);
    const team = await createTeam(api, tenant, 'Shared');
    const roles = rows.map((row) => row.role).filter((role) => role !== 'admin');
    users = Object.fromEntries(
      await Promise.all(
        roles.map(async (role) => [role, await createUser(api, tenant, role, { team_ids: [team], franchise_id: 'fr-1', region: 'north' })] as const),
      ),
    );
    users.admin = { id: '', email: tenant.adminEmail, password: tenant.adminPassword, token: tenant.adminToken };
    // A ticket every seeded role can read: its team, franchise, region, a payment link, and the requester's own.
    ticketId = (
      await newTicket(api, tenant.adminToken, {
        requester_id: users.requester.id,
        team_id: team,
        franchise_id: 'fr-1',
        region: 'north',
        linked_type: 'payment',
        linked_id: 'p-7',
      })
    ).id;
    contactSubject = await createUser(api, tenant, 'ops_agent', { phone: '+15550199', push_tokens: ['tok-1'] });
  });
  afterAll(() => api.close());

  it('documents every seeded role once', () => {
    expect(rows.map((row) => row.role).sort()).toEqual([
      'admin',
      'auditor',
      'ceo_oncall',
      'finance',
      'franchise_agent',
      'hq_support',
      'ops_agent',
      'ops_manager',
      'regional_manager',
      'requester',
    ]);
  });

  it.each(documentedRows().map((row) => [row.role, row] as const))('%s', async (_role, row) => {
    const token = users[row.role].token;
    const as = (method: 'get' | 'post', path: string) =>
      request(api.url)
        [method](`/api/v1${path}`)
        .set(...bearer(token));
    const observed: Row = { role: row.role, ticketFields: 'all', slaView: 'no', contactDetails: 'no access', createsCredentials: 'no' };

    const ticket = await as('get', `/tickets/${ticketId}`);
    expect({ role: row.role, status: ticket.status }).toEqual({ role: row.role, status: 200 });
    observed.ticketFields = 'sla_state' in ticket.body && 'owner_role' in ticket.body && 'region' in ticket.body ? 'all' : 'requester view';

    const [sla, escalations] = await Promise.all([as('get', `/tickets/${ticketId}/sla`), as('get', '/escalations')]);
    observed.slaView = sla.status === 200 ? 'yes' : 'no';
    // The escalation list follows the SLA view: both or neither.
    expect({ role: row.role, sla: sla.status, escalations: escalations.status }).toEqual({
      role: row.role,
      sla: sla.status,
      escalations: sla.status === 200 ? 200 : 403,
    });

    const user = await as('get', `/admin/users/${contactSubject.id}`);
    if (user.status === 200) observed.contactDetails = user.body.phone === '+15550199' && user.body.push_tokens?.[0] === 'tok-1' ? 'shown' : 'hidden';

    const key = await as('post', '/admin/api-keys').send({ name: `k ${randomBytes(2).toString('hex')}`, role: 'requester', scopes: ['tickets:read'] });
    const newUser = await as('post', '/admin/users').send({ email: `u-${randomBytes(3).toString('hex')}@x.test`, name: 'New', role: 'requester' });
    observed.createsCredentials = key.status === 201 ? 'yes' : 'no';
    expect({ role: row.role, key: key.status, user: newUser.status }).toEqual({ role: row.role, key: key.status, user: key.status === 201 ? 201 : 403 });

    expect(observed).toEqual(row);
  });
});
