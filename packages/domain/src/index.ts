export * from './authz.js';
export * from './entities.js';
export * from './errors.js';
export * from './page-token.js';
export * from './validate.js';
export * from './grants.js';
export * from './machines.js';
export * from './permissions.js';
