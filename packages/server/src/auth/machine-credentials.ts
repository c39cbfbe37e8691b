/**
 * What a machine part authenticates with, as viam-server does: `robot-secret` (entity: the part id,
 * payload: one of the part's secrets) or `robot-location-secret` (entity: the part id or its fqdn,
 * payload: one of its location's secrets). The token names the secret it was issued for, so deleting that
 * secret — or the part, or its machine — revokes the token on its next call.
 */
import { isUuid, type Actor } from '@hangar/domain';
import { locations, parts, type Database } from '@hangar/store';
import { createHash, timingSafeEqual } from 'node:crypto';
import { revealLocationSecrets, SECRET_CONTEXT, type SecretBox } from '../crypto/secret-box.js';

export const MACHINE_CREDENTIAL_TYPES = ['robot-secret', 'robot-location-secret'] as const;
export type MachineCredentialType = (typeof MACHINE_CREDENTIAL_TYPES)[number];

export const isMachineCredentialType = (type: string): type is MachineCredentialType =>
  (MACHINE_CREDENTIAL_TYPES as readonly string[]).includes(type);

export interface MachineCredentialDeps {
  readonly db: Database;
  readonly box: SecretBox;
  /** The domain part fqdns are made under (`<part>.<location id>.<domain>`). */
  readonly machineDomain: string;
}

/** Compares through fixed-length digests, so neither length nor content leaks through timing. */
function sameSecret(given: string, stored: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(stored).digest();
  return timingSafeEqual(a, b);
}

export function createMachineCredentials({ db, box, machineDomain }: MachineCredentialDeps) {
  /** The part an entity names: its id, or its fqdn or local fqdn. */
  async function partIdOf(entity: string): Promise<string | undefined> {
    if (isUuid(entity)) return entity.toLowerCase();
    const suffix = `.${machineDomain.toLowerCase()}`;
    const name = entity.toLowerCase();
    if (!name.endsWith(suffix)) return undefined;
    const labels = name.slice(0, -suffix.length).split('.');
    if (labels.at(-1) === 'local') labels.pop();
    const [dnsName, locationId, ...rest] = labels;
    if (dnsName === undefined || locationId === undefined || rest.length > 0) return undefined;
    return parts.findPartIdByDnsName(db, locationId, dnsName);
  }

  const locationSecretsOf = async (locationId: string) => revealLocationSecrets(box, await locations.listLocationSecrets(db, locationId));

  return {
    partIdOf,

    /** The part and the secret that matched (`cred` for the token), or undefined for wrong credentials. */
    async check(type: MachineCredentialType, entity: string, payload: string): Promise<{ partId: string; cred: string } | undefined> {
      const partId = type === 'robot-secret' ? (isUuid(entity) ? entity.toLowerCase() : undefined) : await partIdOf(entity);
      if (partId === undefined) return undefined;
      const part = await parts.findPart(db, partId);
      if (part === undefined) return undefined;
      if (type === 'robot-secret') {
        // Every secret is compared, so the time taken does not say which one (or whether any) matched.
        let matched: string | undefined;
        for (const s of part.secrets) if (sameSecret(payload, box.reveal(s.secret, SECRET_CONTEXT.partSecret(s.id)))) matched ??= s.id;
        return matched === undefined ? undefined : { partId, cred: `part:${matched}` };
      }
      let matched: string | undefined;
      for (const s of await locationSecretsOf(part.locationId)) if (sameSecret(payload, s.secret)) matched ??= s.id;
      return matched === undefined ? undefined : { partId, cred: `location:${matched}` };
    },

    /** The machine a token speaks for, if its part and the secret it was issued for still exist. */
    async actorOf(partId: string, cred: string): Promise<Actor | undefined> {
      const part = await parts.findPart(db, partId);
      if (part === undefined) return undefined;
      const [kind, secretId] = cred.split(':', 2);
      const present =
        kind === 'part'
          ? part.secrets.some((s) => s.id === secretId)
          : kind === 'location' && (await locations.listLocationSecrets(db, part.locationId)).some((s) => s.id === secretId);
      return present ? { kind: 'machine', id: partId, label: part.name, grants: [] } : undefined;
    },
  };
}

export type MachineCredentials = ReturnType<typeof createMachineCredentials>;
