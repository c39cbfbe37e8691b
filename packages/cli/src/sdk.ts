/** @hangar/sdk pulls in the protocol stack (~0.5 s to load): load it on first use, remember it for the error reporter. */
export type Sdk = typeof import('@hangar/sdk');

let loaded: Sdk | undefined;

export async function loadSdk(): Promise<Sdk> {
  loaded ??= await import('@hangar/sdk');
  return loaded;
}

/** The SDK if something already loaded it (then an error may be one of its HangarErrors). */
export function loadedSdk(): Sdk | undefined {
  return loaded;
}
