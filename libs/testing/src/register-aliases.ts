import Module from 'node:module';
import { join } from 'node:path';

// Jest's global setup and teardown run outside its module registry, where moduleNameMapper does
// not apply: resolve the @helpdesk/* aliases the way tsconfig.json declares them.
const root = join(__dirname, '..', '..', '..');
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const original = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
  const match = /^@helpdesk\/([a-z-]+)$/.exec(request);
  return original.call(this, match ? join(root, 'libs', match[1], 'src') : request, ...rest);
};
