// @ts-check
// Lint rules and the boundaries between apps and libraries (docs/adr/0014-boundaries.md).
// Flat config: a later block replaces an earlier block's setting of the same rule, so each boundary
// block below lists every import restriction that applies to its files (see `restrictImports`).
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const APPS_FROM_LIBS = { regex: '(^|/)apps/', message: 'Libraries never import apps: move what both need into a library.' };
const APPS_FROM_APPS = { regex: '^(\\.\\./)+(api|worker|cli)/', message: 'Apps never import each other: move what both need into a library.' };
const HTTP = [
  {
    group: ['fastify', 'fastify/*', '@fastify/*', 'express', 'express/*', '@nestjs/platform-*', '@nestjs/swagger', 'supertest'],
    message: 'HTTP belongs in apps/api.',
  },
  {
    group: ['@nestjs/common'],
    importNamePattern: '^(Http\\w*|\\w+Exception|Req|Res|Request|Response|Headers|Body|Query|Param|Controller|Get|Post|Put|Patch|Delete)$',
    message: 'HTTP belongs in apps/api: use cases throw the DomainError kinds of @helpdesk/domain, which the api maps to statuses.',
  },
];
const FRAMEWORK = [{ group: ['@nestjs/*', 'typeorm', 'typeorm/*', 'pg', 'ioredis', 'bullmq'], message: 'libs/domain holds pure rules: no framework, no I/O.' }];
const PG = [{ group: ['pg', 'pg/*'], message: 'SQL lives in libs/database: add a repository method.' }];

/** One `no-restricted-imports` setting from the given pattern lists. */
const restrictImports = (...lists) => ['error', { patterns: lists.flat() }];

const SQL_CALLS = [
  { selector: "CallExpression[callee.property.name='query']", message: 'SQL lives in libs/database: add a repository method.' },
  { selector: "CallExpression[callee.property.name='createQueryBuilder']", message: 'SQL lives in libs/database: add a repository method.' },
];
const PROCESS_ENV = [{ object: 'process', property: 'env', message: 'Configuration is read in libs/config (loadConfig): add a field to AppConfig.' }];

export default defineConfig(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '.data/**'] },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Type-aware checks that catch real bugs here: an un-awaited promise loses its error and its ordering.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      // `const { secret, ...rest } = row` is how this code drops a field.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests read loosely typed HTTP bodies and reach into libraries' metadata (class-validator keys it
    // by Function, DTO files are loaded by path to check that every one registers its validators).
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unsafe-function-type': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Input-text rules match control characters on purpose (they reject or strip them).
    files: ['libs/domain/src/text.ts', 'test/api/input-properties.e2e-spec.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  // Boundaries. Production code: apps and libraries.
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/database/**', 'libs/testing/**', '**/*.spec.ts'],
    rules: { 'no-restricted-syntax': ['error', ...SQL_CALLS] },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    // libs/config reads the environment for everyone; libs/testing builds the environment of the
    // processes under test and reads the run's database and Redis prefix from jest's global setup.
    ignores: ['libs/config/**', 'libs/testing/**'],
    rules: { 'no-restricted-properties': ['error', ...PROCESS_ENV] },
  },
  { files: ['apps/**/*.ts'], rules: { 'no-restricted-imports': restrictImports(APPS_FROM_APPS, PG) } },
  { files: ['libs/**/*.ts'], ignores: ['libs/database/**', 'libs/testing/**'], rules: { 'no-restricted-imports': restrictImports(APPS_FROM_LIBS, PG) } },
  { files: ['libs/database/**/*.ts', 'libs/testing/**/*.ts'], rules: { 'no-restricted-imports': restrictImports(APPS_FROM_LIBS) } },
  { files: ['libs/core/**/*.ts'], rules: { 'no-restricted-imports': restrictImports(APPS_FROM_LIBS, PG, HTTP) } },
  {
    // Terminus reports a dependency down by throwing ServiceUnavailableException; ReadinessService
    // catches it and answers a plain { ready, report } that each app maps to its own surface.
    files: ['libs/core/src/health/**/*.ts'],
    rules: { 'no-restricted-imports': restrictImports(APPS_FROM_LIBS, PG) },
  },
  { files: ['libs/domain/**/*.ts'], rules: { 'no-restricted-imports': restrictImports(APPS_FROM_LIBS, HTTP, FRAMEWORK) } },

  prettier,
);
