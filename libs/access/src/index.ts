export * from './subject-fields';
export * from './rules-to-sql';
export * from './role-rules';
export * from './role-validation';
export * from './scopes';
export * from './ability.factory';
export * from './default-roles';
