/**
 * ListMachineSummaries: an organization's locations, their machines and each machine's parts with its
 * status and fragments, in one call, limited to what the caller can see. A handful of queries whatever the
 * fleet's size; configs and secrets are never read.
 */
import { invalid, onlineStatus, parseId, type Actor, type Location, type OnlineStatus, type Robot } from '@hangar/domain';
import { fragments, locations, parts, type Database } from '@hangar/store';
import { visibleLocations } from '../locations/locations.service.js';

export interface PartSummary {
  readonly id: string;
  readonly name: string;
  readonly dnsName: string;
  readonly isMain: boolean;
  readonly status: OnlineStatus;
  readonly secondsSinceOnline: number;
  readonly lastAccess: string | null;
  readonly fragments: readonly { readonly id: string; readonly name: string }[];
}

export interface MachineSummary {
  readonly robot: Robot;
  readonly parts: readonly PartSummary[];
}

export interface LocationSummary {
  readonly location: Location;
  readonly machines: readonly MachineSummary[];
}

export interface SummaryFilter {
  readonly fragmentIds: readonly string[];
  readonly locationIds: readonly string[];
  /** At most this many machines (all when undefined). */
  readonly limit: number | undefined;
}

export function createSummariesService({ db, now }: { readonly db: Database; readonly now: () => Date }) {
  return {
    async list(actor: Actor, organizationId: string, filter: SummaryFilter): Promise<LocationSummary[]> {
      const fragmentFilter = new Set(filter.fragmentIds.map((id, i) => parseId(`fragment_ids[${i}]`, id)));
      const locationFilter = new Set(filter.locationIds.map((id, i) => parseId(`location_ids[${i}]`, id)));
      if (filter.limit !== undefined && filter.limit < 0) throw invalid(`limit must not be negative, got ${filter.limit}`);
      const all = await locations.listLocationsOfOrganization(db, organizationId);
      const visible = visibleLocations(actor, all).filter((l) => locationFilter.size === 0 || locationFilter.has(l.id));
      const inOrganization = new Set(all.map((l) => l.id));
      // Machines the caller reaches through a role on the machine itself, outside the locations it sees.
      const visibleIds = new Set(visible.map((l) => l.id));
      const granted = actor.grants
        .filter((g) => g.resourceType === 'robot' && g.organizationId === organizationId)
        .map((g) => g.resourceId);
      const partRows = [
        ...(await parts.listPartSummaries(db, { locationIds: [...visibleIds] })),
        ...(granted.length === 0 ? [] : await parts.listPartSummaries(db, { robotIds: granted })).filter(
          (p) =>
            !visibleIds.has(p.locationId) &&
            inOrganization.has(p.locationId) &&
            (locationFilter.size === 0 || locationFilter.has(p.locationId)),
        ),
      ];
      const machines = new Map<string, Robot>();
      for (const p of partRows) {
        if (!machines.has(p.robotId)) {
          machines.set(p.robotId, {
            id: p.robotId,
            name: p.robotName,
            locationId: p.locationId,
            createdAt: p.robotCreatedAt,
            lastAccess: null,
          });
        }
      }
      const fragmentsOf = new Map<string, { id: string; name: string }[]>();
      for (const f of await fragments.listFragmentsOfParts(
        db,
        partRows.map((p) => p.id),
      )) {
        const list = fragmentsOf.get(f.partId) ?? [];
        list.push({ id: f.fragmentId, name: f.name ?? '' });
        fragmentsOf.set(f.partId, list);
      }
      const at = now();
      const partsOf = new Map<string, PartSummary[]>();
      for (const p of partRows) {
        const { status, secondsSinceOnline } = onlineStatus(p.lastAccess, at);
        const list = partsOf.get(p.robotId) ?? [];
        list.push({
          id: p.id,
          name: p.name,
          dnsName: p.dnsName,
          isMain: p.isMain,
          status,
          secondsSinceOnline,
          lastAccess: p.lastAccess,
          fragments: fragmentsOf.get(p.id) ?? [],
        });
        partsOf.set(p.robotId, list);
      }
      let budget = filter.limit === undefined || filter.limit === 0 ? Number.POSITIVE_INFINITY : filter.limit;
      const byLocation = new Map<string, MachineSummary[]>();
      for (const robot of machines.values()) {
        if (budget <= 0) break;
        const machineParts = partsOf.get(robot.id) ?? [];
        if (fragmentFilter.size > 0 && !machineParts.some((p) => p.fragments.some((f) => fragmentFilter.has(f.id)))) continue;
        const list = byLocation.get(robot.locationId) ?? [];
        list.push({ robot, parts: machineParts });
        byLocation.set(robot.locationId, list);
        budget--;
      }
      // A machine the caller reaches through a role on it sits in a location it may not see otherwise.
      const shown = new Map(visible.map((l) => [l.id, l]));
      for (const l of all) if (byLocation.has(l.id) && !shown.has(l.id)) shown.set(l.id, l);
      return [...shown.values()].map((location) => ({ location, machines: byLocation.get(location.id) ?? [] }));
    },
  };
}

export type SummariesService = ReturnType<typeof createSummariesService>;
