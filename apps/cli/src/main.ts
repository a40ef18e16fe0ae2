import 'reflect-metadata';
import { Command } from 'commander';
import { ensureLocalEnvFile, loadConfig } from '@helpdesk/config';
import { listeningUrl, runMain } from '@helpdesk/core';
import { DomainError } from '@helpdesk/domain';
import { createApiKey, createTenant, migrate, revert, setup } from './commands';
import { startProcesses } from './start';

const print = (line: string) => process.stdout.write(`${line}\n`);

/** Operator commands: `npm run cli -- <command>`. */
function program(): Command {
  const cli = new Command('helpdesk').description('Helpdesk operator commands').showHelpAfterError();
  cli
    .command('start')
    .description('set up the database (create, migrate, seed), then run api and worker')
    .action(async () => {
      const envFile = ensureLocalEnvFile();
      if (envFile) print(`Wrote ${envFile} with a random JWT_SECRET (first run).`);
      const config = loadConfig();
      await setup(config, print);
      const api = listeningUrl({ address: config.apiHost, port: config.apiPort }, config.apiHost);
      const worker = listeningUrl({ address: config.workerHealthHost, port: config.workerHealthPort }, config.workerHealthHost);
      print(`Starting api on ${api} (Swagger UI at /docs) and worker (health at ${worker}/health/ready)`);
      process.exitCode = await startProcesses(print);
    });
  cli
    .command('setup')
    .description('create the database if missing, migrate, seed the demo tenant')
    .action(async () => {
      ensureLocalEnvFile();
      await setup(loadConfig(), print);
    });
  cli
    .command('migration:run')
    .description('apply pending migrations (creates the database if missing)')
    .action(() => migrate(loadConfig(), print));
  cli
    .command('migration:revert')
    .description('revert the last applied migration')
    .action(() => revert(loadConfig(), print));
  cli
    .command('tenant:create <name>')
    .description('create a tenant with the seeded roles, default SLA policies and its first admin')
    .requiredOption('--admin-email <email>', "the first admin's email")
    .option('--slug <slug>', 'URL-safe tenant id (default: from the name)')
    .action((name: string, options: { adminEmail: string; slug?: string }) => createTenant(loadConfig(), name, options, print));
  cli
    .command('api-key:create')
    .description('create an API key for a tenant; prints the key once')
    .requiredOption('--tenant <slug>', 'tenant slug')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--role <role>', 'role the key acts under')
    .option('--scopes <list>', 'comma-separated scopes', 'tickets:read')
    .option('--expires-at <date>', 'ISO 8601 expiry')
    .option('--rate-limit <n>', 'requests per rate-limit window')
    .action((options) => createApiKey(loadConfig(), options, print));
  return cli;
}

runMain(async () => {
  try {
    await program().parseAsync(process.argv);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const fields = error.fieldErrors.map((f) => ` ${f.field} ${f.message}.`).join('');
    process.stderr.write(`${error.message}${fields}\n`);
    process.exit(2);
  }
});
