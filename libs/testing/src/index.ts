export * from './test-env';
export * from './processes';
export * from './apps';
export * from './fixtures';
export * from './assertions';
export * from './tcp-proxy';
export * from './snapshots';
export * from './openapi-proxy';
