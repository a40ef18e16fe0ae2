import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { TenantProvisioningService } from '@helpdesk/core';
import { RunningApp } from './apps';

export interface TestTenant {
  id: string;
  slug: string;
  adminEmail: string;
  adminPassword: string;
  adminToken: string;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
}

export const TEST_PASSWORD = 'correct-horse-battery-staple';

export function uniqueSlug(prefix = 't'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** A fresh tenant (seeded roles and policies) with a logged-in admin. */
export async function createTenant(api: RunningApp): Promise<TestTenant> {
  const slug = uniqueSlug();
  const adminEmail = `admin@${slug}.test`;
  const { tenant } = await api.services.get(TenantProvisioningService).provision({ name: `Tenant ${slug}`, slug, adminEmail, adminPassword: TEST_PASSWORD });
  const adminToken = await login(api, adminEmail, TEST_PASSWORD);
  return { id: tenant.id, slug, adminEmail, adminPassword: TEST_PASSWORD, adminToken };
}

export async function login(api: RunningApp, email: string, password: string): Promise<string> {
  const response = await request(api.url).post('/api/v1/auth/login').send({ email, password });
  if (response.status !== 200) throw new Error(`login of ${email} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.access_token;
}

/** A user of the tenant created through the admin API, logged in. */
export async function createUser(api: RunningApp, tenant: TestTenant, role: string, attributes: Record<string, unknown> = {}): Promise<TestUser> {
  const email = `${role}-${randomBytes(4).toString('hex')}@${tenant.slug}.test`;
  const response = await request(api.url)
    .post('/api/v1/admin/users')
    .set('authorization', `Bearer ${tenant.adminToken}`)
    .send({ email, name: `Test ${role}`, role, password: TEST_PASSWORD, ...attributes });
  if (response.status !== 201) throw new Error(`creating a ${role} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { id: response.body.id, email, password: TEST_PASSWORD, token: await login(api, email, TEST_PASSWORD) };
}

export function dataSourceOf(api: RunningApp): DataSource {
  return api.services.get(DataSource);
}

/** The id of the tenant's seeded admin, the user behind `tenant.adminToken`. */
export async function adminIdOf(api: RunningApp, tenant: TestTenant): Promise<string> {
  return (await dataSourceOf(api).query('SELECT id FROM users WHERE tenant_id = $1 AND lower(email) = lower($2)', [tenant.id, tenant.adminEmail]))[0].id;
}

export function bearer(token: string): [string, string] {
  return ['authorization', `Bearer ${token}`];
}
