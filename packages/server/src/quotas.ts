/** Quotas: one message shape for every limit on how much an identity, organization or machine may hold. */
import { resourceExhausted } from '@hangar/domain';
import { limitFlag, type LimitName, type Limits } from './settings.js';

/** Throws RESOURCE_EXHAUSTED naming the limit when `holder` already has `used` of the `limit` allowed. */
export function refuseOverQuota(limits: Limits, limit: LimitName, used: number, holder: string, noun: string): void {
  const max = limits[limit];
  if (used < max) return;
  throw resourceExhausted(
    `${holder} already has ${used} ${noun}, the most allowed (${limitFlag(limit)} is ${max}); delete some first, or ask the server's operator to raise the limit`,
  );
}
