export { AppClient, toAuthorization, type AppClientOptions, type APIKeyAuthorization, type ResourceType, type Role } from './app-client.js';
export { authenticate, type Credentials } from './auth.js';
export { Code, HangarError, codeName } from './errors.js';
export { createTransport, type Protocol } from './transport.js';
export type { appApi } from '@hangar/wire';
