export * from './errors';
export * from './tickets';
export * from './roles';
export * from './sla-policy';
export * from './permissions';
