/** The official TypeScript SDK, as a user would create it: gRPC-web over HTTP/1.1 with an API key. */
import { createViamClient, type ViamClient } from '@viamrobotics/sdk';

export type { ViamClient };

export function officialClient(url: string, keyId: string, key: string): Promise<ViamClient> {
  return createViamClient({ serviceHost: url, credentials: { type: 'api-key', authEntity: keyId, payload: key } });
}

export { appApi } from '@hangar/wire';
