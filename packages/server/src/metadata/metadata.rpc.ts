import { Struct } from '@bufbuild/protobuf';
import type { AppHandlers } from '../rpc/routes.js';
import type { MetadataService } from './metadata.service.js';

export const metadataRpc = (metadata: MetadataService): AppHandlers => ({
  async getOrganizationMetadata(req) {
    return { data: Struct.fromJson(await metadata.get('organization', req.organizationId)) };
  },
  async updateOrganizationMetadata(req) {
    await metadata.update('organization', req.organizationId, req.data?.toJson());
    return {};
  },
  async getLocationMetadata(req) {
    return { data: Struct.fromJson(await metadata.get('location', req.locationId)) };
  },
  async updateLocationMetadata(req) {
    await metadata.update('location', req.locationId, req.data?.toJson());
    return {};
  },
  async getRobotMetadata(req) {
    return { data: Struct.fromJson(await metadata.get('robot', req.id)) };
  },
  async updateRobotMetadata(req) {
    await metadata.update('robot', req.id, req.data?.toJson());
    return {};
  },
  async getRobotPartMetadata(req) {
    return { data: Struct.fromJson(await metadata.get('part', req.id)) };
  },
  async updateRobotPartMetadata(req) {
    await metadata.update('part', req.id, req.data?.toJson());
    return {};
  },
});
