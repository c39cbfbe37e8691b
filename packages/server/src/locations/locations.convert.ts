import type { PartialMessage } from '@bufbuild/protobuf';
import { parseOptionalId, type Location, type LocationSecret } from '@hangar/domain';
import { appApi } from '@hangar/wire';
import { timestamp } from '../rpc/convert.js';
import type { LocationUpdate } from './locations.service.js';

export function locationToProto(location: Location): PartialMessage<appApi.Location> {
  return {
    id: location.id,
    name: location.name,
    parentLocationId: location.parentLocationId ?? '',
    organizations: location.organizations.map((o) => ({ organizationId: o.organizationId, primary: o.primary })),
    createdOn: timestamp(location.createdAt),
    robotCount: location.robotCount,
    config: { region: location.region },
    primaryOrgIdentity: { id: location.primaryOrganizationId, name: location.primaryOrganizationName },
  };
}

/**
 * UpdateLocation: an absent field is unchanged. Python sends `name=""` to mean "keep the name", so an
 * empty name is unchanged too; `parent_location_id=""` moves the location to the top level.
 */
export function parseLocationUpdate(req: appApi.UpdateLocationRequest): LocationUpdate {
  return {
    ...(req.name !== undefined && req.name !== '' && { name: req.name }),
    ...(req.parentLocationId !== undefined && { parentLocationId: parseOptionalId('parent_location_id', req.parentLocationId) ?? null }),
    ...(req.region !== undefined && req.region !== '' && { region: req.region }),
  };
}

/** LocationAuth: `secret` repeats the first of `secrets` (the field is deprecated, older clients read it). */
export function locationAuthToProto(locationId: string, secrets: readonly LocationSecret[]): PartialMessage<appApi.LocationAuth> {
  return {
    locationId,
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- older clients (and the seed's Python SDK) still read it
    secret: secrets[0]?.secret ?? '',
    secrets: secrets.map((s) => ({
      id: s.id,
      secret: s.secret,
      createdOn: timestamp(s.createdAt),
      state: appApi.SharedSecret_State.ENABLED,
    })),
  };
}
