import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { dataSourceOf, RunningApp, startApi, testEnvironment } from '@helpdesk/testing';
import { assertBuilt, BUILT, childEnvironment, emptyWorkingDirectory, Finished, lines, runNode } from '@helpdesk/testing';

/** The operator CLI, built, against the run's database: tenants and API keys that then work on the api. */
describe('cli: tenant:create and api-key:create', () => {
  const workdir = emptyWorkingDirectory();
  const suffix = randomBytes(4).toString('hex');
  const name = `Acme Corp ${suffix}`;
  const slug = `acme-corp-${suffix}`;
  const adminEmail = `ops@acme-${suffix}.test`;
  let api: RunningApp;
  let adminPassword: string;

  const cli = (...args: string[]): Promise<Finished> =>
    runNode(BUILT.cli, args, { env: childEnvironment(testEnvironment()), cwd: workdir.path, timeoutMs: 60_000 });

  /** An operator mistake: a failing exit code and exactly one line on stderr, no stack trace. */
  function expectOneLineFailure(result: Finished): string {
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    const stderr = lines(result.stderr);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).not.toMatch(/\bat .+:\d+:\d+/);
    return stderr[0];
  }

  beforeAll(async () => {
    assertBuilt();
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
    workdir.remove();
  });

  describe('tenant:create', () => {
    it('creates the tenant, printing its slug and a generated admin password', async () => {
      const result = await cli('tenant:create', name, '--admin-email', adminEmail);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`slug ${slug}`);
      expect(result.stdout).toContain(adminEmail);
      const match = /admin password:\s+(\S+)/.exec(result.stdout);
      expect(match).not.toBeNull();
      adminPassword = match![1];
      expect(adminPassword.length).toBeGreaterThanOrEqual(12);
    });

    it('the printed admin can log in to the api with that password', async () => {
      const response = await request(api.url).post('/api/v1/auth/login').send({ email: adminEmail, password: adminPassword }).expect(200);
      expect(response.body.access_token).toEqual(expect.any(String));
      const users = await request(api.url).get('/api/v1/admin/users').set('authorization', `Bearer ${response.body.access_token}`).expect(200);
      expect(users.body.data.map((u: { email: string }) => u.email)).toEqual([adminEmail]);
      // A wrong password still fails: the login above is not vacuous.
      await request(api.url)
        .post('/api/v1/auth/login')
        .send({ email: adminEmail, password: `${adminPassword}x` })
        .expect(401);
    });

    it('refuses the same name again with a one-line conflict, creating nothing', async () => {
      const line = expectOneLineFailure(await cli('tenant:create', name, '--admin-email', `other@acme-${suffix}.test`));
      expect(line).toContain(slug);
      expect(line).toMatch(/already exists/);
      await request(api.url)
        .post('/api/v1/auth/login')
        .send({ email: `other@acme-${suffix}.test`, password: adminPassword })
        .expect(401);
    });

    it('refuses an invalid admin email, slug or name with one line naming the problem, creating nothing', async () => {
      const badEmail = expectOneLineFailure(await cli('tenant:create', `Beta ${suffix}`, '--admin-email', 'not-an-email'));
      expect(badEmail).toMatch(/admin-email/);
      expect(badEmail).toContain('not-an-email');
      const badSlug = expectOneLineFailure(await cli('tenant:create', `Gamma ${suffix}`, '--admin-email', `ops@gamma-${suffix}.test`, '--slug', 'Not A Slug'));
      expect(badSlug).toMatch(/slug/);
      expect(badSlug).toContain('Not A Slug');
      const longName = expectOneLineFailure(
        await cli('tenant:create', `Delta ${suffix} ${'x'.repeat(250)}`, '--admin-email', `ops@delta-${suffix}.test`, '--slug', `delta-${suffix}`),
      );
      expect(longName).toMatch(/name/);
      const created = await dataSourceOf(api).query('SELECT slug FROM tenants WHERE slug = ANY($1)', [[`beta-${suffix}`, `delta-${suffix}`]]);
      expect(created).toEqual([]);
    });
  });

  describe('api-key:create', () => {
    it('prints an hd_ key that works as x-api-key on the admin api', async () => {
      const result = await cli('api-key:create', '--tenant', slug, '--name', 'CI', '--role', 'admin', '--scopes', 'admin');
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const match = /key:\s+(hd_\S+)/.exec(result.stdout);
      expect(match).not.toBeNull();
      const key = match![1];
      const users = await request(api.url).get('/api/v1/admin/users').set('x-api-key', key).expect(200);
      expect(users.body.data.map((u: { email: string }) => u.email)).toContain(adminEmail);
      // The key is shown once: only its prefix is in the output otherwise, and a forged one is refused.
      await request(api.url)
        .get('/api/v1/admin/users')
        .set('x-api-key', `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)
        .expect(401);
    });

    it('narrows the key to its scopes: tickets:read does not reach the admin api', async () => {
      const result = await cli('api-key:create', '--tenant', slug, '--name', 'Reader', '--role', 'admin', '--scopes', 'tickets:read');
      expect(result.code).toBe(0);
      const key = /key:\s+(hd_\S+)/.exec(result.stdout)![1];
      await request(api.url).get('/api/v1/admin/users').set('x-api-key', key).expect(403);
    });

    it('refuses an unknown scope, naming it', async () => {
      const line = expectOneLineFailure(await cli('api-key:create', '--tenant', slug, '--name', 'CI', '--role', 'admin', '--scopes', 'admin,tickets:nuke'));
      expect(line).toContain('tickets:nuke');
    });

    it('refuses an unknown tenant and an unknown role, naming them', async () => {
      const noTenant = expectOneLineFailure(
        await cli('api-key:create', '--tenant', `no-such-${suffix}`, '--name', 'CI', '--role', 'admin', '--scopes', 'admin'),
      );
      expect(noTenant).toContain(`no-such-${suffix}`);
      const noRole = expectOneLineFailure(await cli('api-key:create', '--tenant', slug, '--name', 'CI', '--role', 'overlord', '--scopes', 'admin'));
      expect(noRole).toContain('overlord');
    });
  });
});
