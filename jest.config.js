// Two projects: `unit` (pure logic beside the code, no services) and `e2e` (real PostgreSQL,
// Redis and the built apps; one database per run, created by the global setup).
const { readFileSync } = require('node:fs');
const swc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const shared = {
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { ...swc, swcrc: false }] },
  // ESM-only dependencies that Node loads with require(esm) but Jest's module system cannot.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|@apidevtools/json-schema-ref-parser)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^@helpdesk/(.*)$': '<rootDir>/libs/$1/src' },
  testEnvironment: 'node',
};
module.exports = {
  rootDir: __dirname,
  testTimeout: 60000,
  // Both cores: the e2e suites wait on PostgreSQL and Redis more than they compute.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/libs/testing/src/summary-reporter.js'],
  projects: [
    { ...shared, rootDir: __dirname, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    {
      ...shared,
      rootDir: __dirname,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
      // An answer of the api that its OpenAPI document does not describe fails the test (libs/testing/src/openapi-proxy.ts).
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/openapi-check.ts'],
    },
  ],
};
