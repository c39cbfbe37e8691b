export * from './dialect.js';
export * from './rows.js';
export type { DB } from './schema.js';
export * as settings from './settings.js';
export * as users from './users.js';
export * as organizations from './organizations.js';
export * as locations from './locations.js';
export * as apiKeys from './api-keys.js';
export * as authorizations from './authorizations.js';
