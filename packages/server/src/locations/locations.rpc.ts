import { parseId, parseOptionalId } from '@hangar/domain';
import type { AppHandlers } from '../rpc/routes.js';
import { locationAuthToProto, locationToProto, parseLocationUpdate } from './locations.convert.js';
import type { LocationsService } from './locations.service.js';

export const locationsRpc = (locations: LocationsService): AppHandlers => ({
  async createLocation(req) {
    const parent = parseOptionalId('parent_location_id', req.parentLocationId);
    return { location: locationToProto(await locations.create(req.organizationId, req.name, parent)) };
  },
  async getLocation(req) {
    return { location: locationToProto(await locations.get(req.locationId)) };
  },
  async updateLocation(req) {
    return { location: locationToProto(await locations.update(req.locationId, parseLocationUpdate(req))) };
  },
  async deleteLocation(req) {
    await locations.delete(req.locationId);
    return {};
  },
  async listLocations(req, { actor }) {
    return { locations: (await locations.list(actor, req.organizationId)).map(locationToProto) };
  },
  async shareLocation(req) {
    await locations.share(req.locationId, req.organizationId);
    return {};
  },
  async unshareLocation(req) {
    await locations.unshare(req.locationId, parseId('organization_id', req.organizationId));
    return {};
  },
  async locationAuth(req) {
    return { auth: locationAuthToProto(req.locationId, await locations.auth(req.locationId)) };
  },
  async createLocationSecret(req) {
    return { auth: locationAuthToProto(req.locationId, await locations.createSecret(req.locationId)) };
  },
  async deleteLocationSecret(req) {
    await locations.deleteSecret(req.locationId, parseId('secret_id', req.secretId));
    return {};
  },
  async getOrganizationsWithAccessToLocation(req) {
    const orgs = await locations.organizationsWithAccess(req.locationId);
    return { organizationIdentities: orgs.map((o) => ({ id: o.id, name: o.name })) };
  },
});
