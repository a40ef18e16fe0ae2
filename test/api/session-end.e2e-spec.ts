import request from 'supertest';
import { bearer, createTenant, createUser, dataSourceOf, expectProblem, RunningApp, startApi, TEST_PASSWORD, TestTenant } from '@helpdesk/testing';
import { eventually } from './auth-support';

/**
 * An access token works only as long as its session: a new password, a deactivation or a reused
 * refresh token of its family ends it, in every api process within the user cache's bound (each
 * process keeps the user behind a token for about two seconds), not when the token expires.
 *
 * Two api processes: changes are made through `api`, and `peer` has the tokens' users in its own
 * cache when they are made, so it learns of them only when its cache entry runs out.
 *
 * There is no logout route (POST /auth/logout): a client ends its session by forgetting its
 * tokens, and nothing here tests one.
 */
describe('access tokens end with their session', () => {
  let api: RunningApp;
  let peer: RunningApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    [api, peer] = await Promise.all([startApi(), startApi()]);
    tenant = await createTenant(api);
  });
  afterAll(() => Promise.all([api?.close(), peer?.close()]));

  const login = (email: string, password = TEST_PASSWORD) => request(api.url).post('/api/v1/auth/login').send({ email, password });
  const refresh = (refresh_token: string) => request(api.url).post('/api/v1/auth/refresh').send({ refresh_token });
  const read = (app: RunningApp, token: string) =>
    request(app.url)
      .get('/api/v1/tickets?limit=1')
      .set(...bearer(token));
  const admin = (method: 'patch' | 'delete', id: string, body?: object) => {
    const req = request(api.url)
      [method](`/api/v1/admin/users/${id}`)
      .set(...bearer(tenant.adminToken));
    return body ? req.send(body) : req;
  };

  /** Both processes accept the token (and the peer caches its user). */
  async function acceptedEverywhere(...tokens: string[]): Promise<void> {
    for (const app of [api, peer]) for (const token of tokens) await read(app, token).expect(200);
  }

  /** Both processes come to refuse the token with 401 problem+json, within a bounded wait. */
  async function refusedEverywhere(...tokens: string[]): Promise<void> {
    for (const app of [api, peer]) {
      for (const token of tokens) {
        const refused = await eventually(`${app === api ? 'the api' : 'its peer'} to refuse the old access token`, async () => {
          const response = await read(app, token);
          return response.status === 401 ? response : null;
        });
        expectProblem(refused, 401, 'unauthenticated');
      }
    }
  }

  it('ends every session of a user whose password is set, while a change of name ends none', async () => {
    const user = await createUser(api, tenant, 'ops_agent');
    const second = (await login(user.email).expect(200)).body.access_token;
    await acceptedEverywhere(user.token, second);

    await admin('patch', user.id, { name: 'Renamed' }).expect(200);
    await read(api, user.token).expect(200);

    await admin('patch', user.id, { password: 'a-brand-new-password-2' }).expect(200);
    await refusedEverywhere(user.token, second);
    // The user's token generation moved on from the first one, once (a change of name left it).
    expect((await dataSourceOf(api).query('SELECT token_version FROM users WHERE id = $1', [user.id]))[0].token_version).toBe(1);
    const fresh = (await login(user.email, 'a-brand-new-password-2').expect(200)).body.access_token;
    await acceptedEverywhere(fresh);
  });

  it('ends the sessions of a deactivated user, and reactivating does not bring them back', async () => {
    const user = await createUser(api, tenant, 'ops_agent');
    await acceptedEverywhere(user.token);

    await admin('delete', user.id).expect(204);
    await refusedEverywhere(user.token);

    await admin('patch', user.id, { active: true }).expect(200);
    // The api evicted the user when it changed them: it reads them afresh, active again.
    expectProblem(await read(api, user.token), 401, 'unauthenticated');
    const fresh = (await login(user.email).expect(200)).body.access_token;
    await acceptedEverywhere(fresh);
    expectProblem(await read(api, user.token), 401, 'unauthenticated');
  });

  it('refuses a token of an earlier generation of its user, though its session was not revoked', async () => {
    const user = await createUser(api, tenant, 'ops_agent');
    const pair = (await login(user.email).expect(200)).body;
    await acceptedEverywhere(pair.access_token);
    // Moved on behind the processes' backs (no eviction): each notices within its cache's bound.
    await dataSourceOf(api).query('UPDATE users SET token_version = token_version + 1 WHERE id = $1', [user.id]);
    await refusedEverywhere(pair.access_token);
    // The session itself holds: its refresh token yields a token of the new generation.
    const fresh = (await refresh(pair.refresh_token).expect(200)).body.access_token;
    await acceptedEverywhere(fresh);
  });

  it('ends the access tokens of a refresh-token family whose spent token is reused, and no other session', async () => {
    const user = await createUser(api, tenant, 'ops_agent');
    const first = (await login(user.email).expect(200)).body;
    const second = (await refresh(first.refresh_token).expect(200)).body;
    const otherSession = (await login(user.email).expect(200)).body;
    await acceptedEverywhere(first.access_token, second.access_token, otherSession.access_token);

    await refresh(first.refresh_token).expect(401);
    await refusedEverywhere(first.access_token, second.access_token);
    await acceptedEverywhere(otherSession.access_token, user.token);
    await refresh(otherSession.refresh_token).expect(200);
  });
});
