/**
 * What a machine asks of the app for itself (viam.app.v1.RobotService): its config, whether to restart,
 * a certificate. Authorization (the machine's own part only) is the method table's; this is the work.
 */
import { failedPrecondition, normalizePlatform, notFound, partFqdn, partLocalFqdn, type JsonObject } from '@hangar/domain';
import { locations, parts, type Database } from '@hangar/store';
import { createHash } from 'node:crypto';
import { revealLocationSecrets, revealPartSecrets, type SecretBox } from '../crypto/secret-box.js';
import type { FragmentsService } from '../fragments/fragments.service.js';

export interface MachineServiceDeps {
  readonly db: Database;
  readonly box: SecretBox;
  readonly fragments: FragmentsService;
  readonly machineDomain: string;
  readonly restartCheckIntervalSeconds: number;
  /** Registry modules of a config resolved for the machine's platform (registry.service.ts). */
  readonly resolveModules: (
    config: JsonObject,
    platform: string | undefined,
    organizationIds: () => Promise<readonly string[]>,
  ) => Promise<JsonObject>;
}

/** The `cloud` section of a machine's config: who it is, its secrets, its names. */
export interface MachineCloud {
  readonly id: string;
  readonly secret: string;
  readonly locationSecrets: readonly { readonly id: string; readonly secret: string }[];
  readonly locationId: string;
  readonly primaryOrgId: string;
  readonly machineId: string;
  readonly fqdn: string;
  readonly localFqdn: string;
}

export interface MachineConfig {
  /** The effective JSON config (the part's own merged with its fragments). */
  readonly config: JsonObject;
  readonly revision: string;
  readonly cloud: MachineCloud;
}

/** The machine's platform in the registry's spelling, from what it reported now or at an earlier call. */
function platformOf(info: JsonObject | null | undefined): string | undefined {
  const platform = info?.platform;
  return typeof platform === 'string' && platform.includes('/') ? normalizePlatform(platform) : undefined;
}

export function createMachineService({
  db,
  box,
  fragments,
  machineDomain,
  restartCheckIntervalSeconds,
  resolveModules,
}: MachineServiceDeps) {
  // What each part's agent last said, so an unchanged report (every poll) writes nothing.
  const lastAgentInfo = new Map<string, string>();

  return {
    /** The part's effective config as viam-server reads it, with the `cloud` section it needs to run. */
    /** `agentInfo`: what the machine says about itself (host, os, ips, version, platform), kept as user_supplied_info. */
    async config(partId: string, agentInfo: JsonObject | undefined): Promise<MachineConfig> {
      const stored = await parts.findPart(db, partId);
      if (stored === undefined) throw notFound('machine part', partId);
      const part = revealPartSecrets(box, stored);
      const locationSecrets = revealLocationSecrets(box, await locations.listLocationSecrets(db, part.locationId));
      // viam-server refuses to start its web server without one.
      if (locationSecrets.length === 0) {
        throw failedPrecondition(
          `location ${part.locationId} has no secrets, and a machine needs one: create one with hangar locations secrets create (or create_location_secret)`,
        );
      }
      const primaryOrgId = (await locations.primaryOrganizationOf(db, part.locationId)) ?? '';
      const effective = await fragments.forPart(partId);
      if (agentInfo !== undefined) {
        const text = JSON.stringify(agentInfo);
        if (lastAgentInfo.get(partId) !== text) {
          await parts.setAgentInfo(db, partId, agentInfo);
          lastAgentInfo.set(partId, text);
        }
      }
      const cloud: MachineCloud = {
        id: part.id,
        secret: part.secrets[0]?.secret ?? '',
        locationSecrets,
        locationId: part.locationId,
        primaryOrgId,
        machineId: part.robotId,
        fqdn: partFqdn(part.dnsName, part.locationId, machineDomain),
        localFqdn: partLocalFqdn(part.dnsName, part.locationId, machineDomain),
      };
      const organizationIds = async () => (await locations.partScope(db, partId))?.organizationIds ?? [];
      const config = await resolveModules(effective.config, platformOf(agentInfo) ?? platformOf(stored.userSuppliedInfo), organizationIds);
      // A new upload can change what `latest` or a range resolves to without the config changing: the
      // revision says so, so machines (which act on a new revision) fetch the new version.
      // Only resolved packages count: a module that cannot be resolved leaves the revision alone.
      const packages = JSON.stringify(config.packages ?? []);
      const revision =
        packages === JSON.stringify(effective.config.packages ?? [])
          ? effective.revision
          : `${effective.revision}.${createHash('sha256').update(packages).digest('hex').slice(0, 8)}`;
      return { config, revision, cloud };
    },

    /** True once after each mark_part_for_restart: the machine that hears it restarts at once. */
    async needsRestart(partId: string): Promise<{ mustRestart: boolean; checkIntervalSeconds: number }> {
      return { mustRestart: await parts.takeRestartMark(db, partId), checkIntervalSeconds: restartCheckIntervalSeconds };
    },

    certificate(): Error {
      return failedPrecondition(
        'Hangar does not issue machine certificates: machines run with signaling_insecure and are reached through the server, so none is needed; put TLS in front of Hangar with your own certificate if clients need it',
      );
    },
  };
}

export type MachineService = ReturnType<typeof createMachineService>;
