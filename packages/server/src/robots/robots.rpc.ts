import { NEXT_PAGE_TOKEN_HEADER, pageFromHeaders } from '../rpc/paging.js';
import type { AppHandlers } from '../rpc/routes.js';
import { NO_RENTAL_ROBOTS, robotToProto } from './robots.convert.js';
import type { RobotsService } from './robots.service.js';

export const robotsRpc = (robots: RobotsService, now: () => Date): AppHandlers => ({
  async getRobot(req) {
    return { robot: robotToProto(await robots.get(req.id), now()) };
  },
  getRoverRentalRobots() {
    return Promise.resolve({ robots: NO_RENTAL_ROBOTS });
  },
  async listRobots(req, call) {
    const page = await robots.list(req.locationId, pageFromHeaders(call.requestHeader));
    call.responseHeader.set(NEXT_PAGE_TOKEN_HEADER, page.nextPageToken);
    const at = now();
    return { robots: page.items.map((r) => robotToProto(r, at)) };
  },
  async listRobotsForOrg(req, { actor }) {
    const at = now();
    return { robots: (await robots.listForOrganization(actor, req.orgId)).map((r) => robotToProto(r, at)) };
  },
  async listRobotsForLocations(req) {
    const at = now();
    return { robots: (await robots.listInLocations(req.locationIds)).map((r) => robotToProto(r, at)) };
  },
  async newRobot(req) {
    return { id: await robots.create(req.location, req.name) };
  },
  async updateRobot(req) {
    return { robot: robotToProto(await robots.update(req.id, req.name, req.location === '' ? undefined : req.location), now()) };
  },
  async deleteRobot(req) {
    await robots.delete(req.id);
    return {};
  },
});
