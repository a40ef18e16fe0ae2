export * from './test-env';
export * from './apps';
export * from './fixtures';
export * from './assertions';
