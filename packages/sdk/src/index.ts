export {
  AppClient,
  toAuthorization,
  type AppClientOptions,
  type Authorization,
  type EffectiveConfig,
  type InviteAcceptance,
  type InviteLink,
  type LogQueryOptions,
  type APIKeyAuthorization,
  type Page,
  type PageOptions,
  type ResourceType,
  type Role,
} from './app-client.js';
export { authenticate, type Credentials } from './auth.js';
export { Code, HangarError, codeName } from './errors.js';
export {
  robotPartFromProto,
  historyEntryFromProto,
  fragmentFromProto,
  fragmentHistoryEntryFromProto,
  logEntryFromProto,
  timestampText,
  type LogEntry,
  type Fragment,
  type FragmentHistoryEntry,
  type FragmentVisibility,
  type RobotPart,
  type RobotPartHistoryEntry,
} from './models.js';
export { createTransport, type Protocol } from './transport.js';
export { downloadFile, uploadFileOverHttp, type TransferProgress, type UploadResult } from './registry-transfer.js';
export { PackageType, type Package, type LogBatchNumber } from '@hangar/wire';
export { appApi } from '@hangar/wire';
export type { JsonObject, JsonValue } from '@bufbuild/protobuf';
export { MachineClient, MAX_LOG_ENTRIES_PER_CALL, type MachineClientOptions } from './machine-client.js';
export { appRobotApi, commonApi } from '@hangar/wire';
export { Timestamp } from '@bufbuild/protobuf';
export {
  DataClient,
  type DataPage,
  type Filter as DataFilter,
  type QueryOptions,
  type TabularRow,
  type UploadOptions,
} from './data-client.js';
export { dataApi } from '@hangar/wire';
export type { RawReading } from './tabular-pages.js';
