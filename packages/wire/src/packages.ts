// viam.app.packages.v1.PackageService (viamrobotics/api app/packages/v1/packages.proto). The SDK ships the
// generated types but does not export them, so they are declared here, field for field. viam-server calls
// GetPackage for every registry module and package its config names; the seed-era CLI's `board` command
// uses CreatePackage, GetPackage and ListPackages.
import { MethodKind, proto3, ScalarType, Struct, Timestamp, type Message } from '@bufbuild/protobuf';

export enum PackageType {
  UNSPECIFIED = 0,
  ARCHIVE = 1,
  ML_MODEL = 2,
  MODULE = 3,
  SLAM_MAP = 4,
  ML_TRAINING = 5,
  /**
   * Board definitions: the seed-era `viam board` command uploads them as this type. Later protos dropped
   * the value; it is declared here so such uploads decode to a name rather than a bare number.
   */
  BOARD_DEFS = 6,
}
proto3.util.setEnumType(PackageType, 'viam.app.packages.v1.PackageType', [
  { no: 0, name: 'PACKAGE_TYPE_UNSPECIFIED' },
  { no: 1, name: 'PACKAGE_TYPE_ARCHIVE' },
  { no: 2, name: 'PACKAGE_TYPE_ML_MODEL' },
  { no: 3, name: 'PACKAGE_TYPE_MODULE' },
  { no: 4, name: 'PACKAGE_TYPE_SLAM_MAP' },
  { no: 5, name: 'PACKAGE_TYPE_ML_TRAINING' },
  { no: 6, name: 'PACKAGE_TYPE_BOARD_DEFS' },
]);

export interface FileInfo extends Message<FileInfo> {
  name: string;
  size: bigint;
  isDirectory?: boolean;
}
export const FileInfo = proto3.makeMessageType<FileInfo>('viam.app.packages.v1.FileInfo', [
  { no: 1, name: 'name', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'size', kind: 'scalar', T: ScalarType.UINT64 },
  { no: 3, name: 'is_directory', kind: 'scalar', T: ScalarType.BOOL, opt: true },
]);

export interface PackageInfo extends Message<PackageInfo> {
  organizationId: string;
  name: string;
  version: string;
  type: PackageType;
  platform?: string;
  files: FileInfo[];
  metadata?: Struct;
}
export const PackageInfo = proto3.makeMessageType<PackageInfo>('viam.app.packages.v1.PackageInfo', [
  { no: 1, name: 'organization_id', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'name', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'version', kind: 'scalar', T: ScalarType.STRING },
  { no: 4, name: 'type', kind: 'enum', T: proto3.getEnumType(PackageType) },
  { no: 7, name: 'platform', kind: 'scalar', T: ScalarType.STRING, opt: true },
  { no: 5, name: 'files', kind: 'message', T: FileInfo, repeated: true },
  { no: 6, name: 'metadata', kind: 'message', T: Struct },
]);

export interface CreatePackageRequest extends Message<CreatePackageRequest> {
  package: { value: PackageInfo; case: 'info' } | { value: Uint8Array; case: 'contents' } | { case: undefined; value?: undefined };
}
export const CreatePackageRequest = proto3.makeMessageType<CreatePackageRequest>('viam.app.packages.v1.CreatePackageRequest', [
  { no: 1, name: 'info', kind: 'message', T: PackageInfo, oneof: 'package' },
  { no: 2, name: 'contents', kind: 'scalar', T: ScalarType.BYTES, oneof: 'package' },
]);

export interface CreatePackageResponse extends Message<CreatePackageResponse> {
  id: string;
  version: string;
}
export const CreatePackageResponse = proto3.makeMessageType<CreatePackageResponse>('viam.app.packages.v1.CreatePackageResponse', [
  { no: 1, name: 'id', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'version', kind: 'scalar', T: ScalarType.STRING },
]);

export interface DeletePackageRequest extends Message<DeletePackageRequest> {
  id: string;
  version: string;
  type: PackageType;
}
export const DeletePackageRequest = proto3.makeMessageType<DeletePackageRequest>('viam.app.packages.v1.DeletePackageRequest', [
  { no: 1, name: 'id', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'version', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'type', kind: 'enum', T: proto3.getEnumType(PackageType) },
]);

export type DeletePackageResponse = Message<DeletePackageResponse>;
export const DeletePackageResponse = proto3.makeMessageType<DeletePackageResponse>('viam.app.packages.v1.DeletePackageResponse', []);

export interface Package extends Message<Package> {
  info?: PackageInfo;
  url: string;
  createdOn?: Timestamp;
  checksum: string;
  id: string;
}
export const Package = proto3.makeMessageType<Package>('viam.app.packages.v1.Package', [
  { no: 1, name: 'info', kind: 'message', T: PackageInfo },
  { no: 2, name: 'url', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'created_on', kind: 'message', T: Timestamp },
  { no: 4, name: 'checksum', kind: 'scalar', T: ScalarType.STRING },
  { no: 5, name: 'id', kind: 'scalar', T: ScalarType.STRING },
]);

export interface GetPackageRequest extends Message<GetPackageRequest> {
  id: string;
  version: string;
  includeUrl?: boolean;
  type?: PackageType;
  platform?: string;
}
export const GetPackageRequest = proto3.makeMessageType<GetPackageRequest>('viam.app.packages.v1.GetPackageRequest', [
  { no: 1, name: 'id', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'version', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'include_url', kind: 'scalar', T: ScalarType.BOOL, opt: true },
  { no: 4, name: 'type', kind: 'enum', T: proto3.getEnumType(PackageType), opt: true },
  { no: 5, name: 'platform', kind: 'scalar', T: ScalarType.STRING, opt: true },
]);

export interface GetPackageResponse extends Message<GetPackageResponse> {
  package?: Package;
}
export const GetPackageResponse = proto3.makeMessageType<GetPackageResponse>('viam.app.packages.v1.GetPackageResponse', [
  { no: 1, name: 'package', kind: 'message', T: Package },
]);

export interface ListPackagesRequest extends Message<ListPackagesRequest> {
  organizationId: string;
  name?: string;
  version?: string;
  type?: PackageType;
  includeUrl?: boolean;
}
export const ListPackagesRequest = proto3.makeMessageType<ListPackagesRequest>('viam.app.packages.v1.ListPackagesRequest', [
  { no: 1, name: 'organization_id', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'name', kind: 'scalar', T: ScalarType.STRING, opt: true },
  { no: 3, name: 'version', kind: 'scalar', T: ScalarType.STRING, opt: true },
  { no: 4, name: 'type', kind: 'enum', T: proto3.getEnumType(PackageType), opt: true },
  { no: 5, name: 'include_url', kind: 'scalar', T: ScalarType.BOOL, opt: true },
]);

export interface ListPackagesResponse extends Message<ListPackagesResponse> {
  packages: Package[];
}
export const ListPackagesResponse = proto3.makeMessageType<ListPackagesResponse>('viam.app.packages.v1.ListPackagesResponse', [
  { no: 1, name: 'packages', kind: 'message', T: Package, repeated: true },
]);

export const PackageService = {
  typeName: 'viam.app.packages.v1.PackageService',
  methods: {
    createPackage: { name: 'CreatePackage', I: CreatePackageRequest, O: CreatePackageResponse, kind: MethodKind.ClientStreaming },
    deletePackage: { name: 'DeletePackage', I: DeletePackageRequest, O: DeletePackageResponse, kind: MethodKind.Unary },
    getPackage: { name: 'GetPackage', I: GetPackageRequest, O: GetPackageResponse, kind: MethodKind.Unary },
    listPackages: { name: 'ListPackages', I: ListPackagesRequest, O: ListPackagesResponse, kind: MethodKind.Unary },
  },
} as const;
