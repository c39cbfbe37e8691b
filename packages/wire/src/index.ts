/**
 * The one package that knows where @viamrobotics/sdk keeps its generated code. Everything that speaks
 * Viam's protocol (server rpc/convert files, our SDK, tests) imports messages and services from here.
 */
import type { appApi as AppApi } from '@viamrobotics/sdk';

export { appApi, appRobotApi, commonApi, dataApi, robotApi } from '@viamrobotics/sdk';
export * from './gen/services.js';
export * from './auth.js';
export * from './account.js';
export * from './invite.js';
export * from './effective-config.js';
export * from './shell.js';
export * from './packages.js';
export * from './descriptors.js';
export * from './reflection.js';

// With moduleResolution NodeNext the SDK's extensionless re-exports fail to resolve and every wire type
// silently becomes `any`; this line stops the build if that ever happens again.
type IsAny<T> = 0 extends 1 & T ? true : false;
export const wireTypesResolve: IsAny<AppApi.Organization> extends false ? true : never = true;
export * from './datasync.js';
export * from './dataset.js';
export * from './proto-reader.js';
export * from './log-batch.js';
export * from './readings-export.js';
export * from './struct-bytes.js';
