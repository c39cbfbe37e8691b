/** Shared wire helpers for the features' convert files. */
import type { PartialMessage, Timestamp } from '@bufbuild/protobuf';

/** ISO instant → google.protobuf.Timestamp init (plain, so it builds inside any message class). */
export function timestamp(iso: string): PartialMessage<Timestamp> {
  const ms = Date.parse(iso);
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 };
}

export function optionalTimestamp(iso: string | null): PartialMessage<Timestamp> | undefined {
  return iso === null ? undefined : timestamp(iso);
}
