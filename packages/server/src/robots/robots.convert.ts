import type { PartialMessage } from '@bufbuild/protobuf';
import { onlineStatus, type OnlineStatus, type Robot } from '@hangar/domain';
import { appApi } from '@hangar/wire';
import { optionalTimestamp, timestamp } from '../rpc/convert.js';

export const ONLINE_STATE: Record<OnlineStatus, appApi.OnlineState> = {
  online: appApi.OnlineState.ONLINE,
  offline: appApi.OnlineState.OFFLINE,
  awaiting_setup: appApi.OnlineState.AWAITING_SETUP,
};

export function robotToProto(robot: Robot, now: Date): PartialMessage<appApi.Robot> {
  const { status, secondsSinceOnline } = onlineStatus(robot.lastAccess, now);
  const lastAccess = optionalTimestamp(robot.lastAccess);
  return {
    id: robot.id,
    name: robot.name,
    location: robot.locationId,
    createdOn: timestamp(robot.createdAt),
    ...(lastAccess !== undefined && { lastAccess }),
    onlineState: ONLINE_STATE[status],
    secondsSinceOnline: BigInt(secondsSinceOnline),
  };
}

/** Hangar has no rover rental fleet, so this is always empty; the method exists for client compatibility. */
export const NO_RENTAL_ROBOTS: PartialMessage<appApi.RoverRentalRobot>[] = [];
