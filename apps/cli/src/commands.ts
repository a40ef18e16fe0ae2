import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, redact } from '@helpdesk/config';
import { ApiKeysService, operatorActor, TenantProvisioningService } from '@helpdesk/core';
import { ensureDatabase, revertLastMigration, runMigrations, TenantsRepository } from '@helpdesk/database';
import { API_KEY_SCOPE_NAMES, ApiKeyScope, DomainError, FieldError } from '@helpdesk/domain';
import { CliModule } from './cli.module';

type Print = (line: string) => void;

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function withContext<T>(config: AppConfig, work: (context: INestApplicationContext) => Promise<T>): Promise<T> {
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}

export async function migrate(config: AppConfig, print: Print): Promise<void> {
  const { created } = await ensureDatabase(config.databaseUrl);
  if (created) print(`Created database ${redact(config.databaseUrl)}`);
  const applied = await runMigrations(config.databaseUrl);
  print(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database schema is up to date');
}

export async function revert(config: AppConfig, print: Print): Promise<void> {
  await revertLastMigration(config.databaseUrl);
  print('Reverted the last migration');
}

/** Database created and migrated, demo tenant seeded; prints the credentials the first time. */
export async function setup(config: AppConfig, print: Print): Promise<void> {
  await migrate(config, print);
  const adminEmail = config.seedAdminEmail ?? 'admin@demo.helpdesk.local';
  const seeded = await withContext(config, (context) => context.get(TenantProvisioningService).seedDemo(adminEmail, config.seedAdminPassword));
  print(`Demo tenant "${seeded.tenant.slug}" is ready.`);
  if (seeded.password) {
    print('');
    print('  Admin credentials (shown once; the password is not stored in clear):');
    print(`    tenant:   ${seeded.tenant.slug}`);
    print(`    email:    ${seeded.adminEmail}`);
    print(`    password: ${seeded.password}`);
    if (seeded.demoUsers.length) {
      print(`  Demo users, one per role, same password: ${seeded.demoUsers.map((u) => u.email).join(', ')}`);
    }
    print('');
  } else {
    print(`Admin: ${seeded.adminEmail} (password as printed at the first setup, or SEED_ADMIN_PASSWORD)`);
  }
}

export async function createTenant(config: AppConfig, name: string, options: { adminEmail: string; slug?: string }, print: Print): Promise<void> {
  const slug = options.slug ?? slugify(name);
  // Checked here, so that a mistake is one line naming the option, not a constraint violation's stack trace.
  const errors: FieldError[] = [];
  if (name.trim().length < 1 || name.length > 200) errors.push({ field: 'name', message: 'must be 1 to 200 characters' });
  if (!SLUG.test(slug))
    errors.push({ field: 'slug', message: `must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit (got "${slug}")` });
  if (!EMAIL.test(options.adminEmail) || options.adminEmail.length > 320)
    errors.push({ field: 'admin-email', message: `must be an email address (got "${options.adminEmail}")` });
  if (errors.length) throw DomainError.validation(errors);
  const result = await withContext(config, (context) => context.get(TenantProvisioningService).provision({ name, slug, adminEmail: options.adminEmail }));
  print(`Created tenant "${result.tenant.name}" (slug ${result.tenant.slug}, id ${result.tenant.id})`);
  print(`  admin email:    ${result.admin.email}`);
  print(`  admin password: ${result.generatedPassword}   (shown once)`);
}

export async function createApiKey(
  config: AppConfig,
  options: { tenant: string; name: string; role: string; scopes: string; expiresAt?: string; rateLimit?: string },
  print: Print,
): Promise<void> {
  const scopes = options.scopes
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scopes.filter((s) => !API_KEY_SCOPE_NAMES.includes(s as ApiKeyScope));
  if (unknown.length)
    throw DomainError.validation([{ field: 'scopes', message: `unknown scope(s) ${unknown.join(', ')}; known: ${API_KEY_SCOPE_NAMES.join(', ')}` }]);
  const expiresAt = options.expiresAt ? new Date(options.expiresAt) : null;
  if (expiresAt && Number.isNaN(expiresAt.getTime())) throw DomainError.validation([{ field: 'expires-at', message: 'must be an ISO 8601 date' }]);
  const rateLimit = options.rateLimit ? Number(options.rateLimit) : null;
  if (rateLimit !== null && !(Number.isInteger(rateLimit) && rateLimit > 0))
    throw DomainError.validation([{ field: 'rate-limit', message: 'must be a positive whole number' }]);

  const key = await withContext(config, async (context) => {
    const tenant = await context.get(TenantsRepository).findBySlug(options.tenant);
    if (!tenant) throw DomainError.notFound(`Tenant "${options.tenant}"`);
    return context.get(ApiKeysService).create(operatorActor(tenant.id), {
      name: options.name,
      role: options.role,
      scopes: scopes as ApiKeyScope[],
      expires_at: expiresAt,
      rate_limit: rateLimit,
    });
  });
  print(`Created API key ${key.key_prefix} (id ${key.id}, role ${key.role}, scopes ${key.scopes.join(',')})`);
  print(`  key: ${key.key}   (shown once; send it as the x-api-key header)`);
}

function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'tenant'
  );
}
