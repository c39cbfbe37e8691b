import { createClient, type Transport } from '@connectrpc/connect';
import { AuthService } from '@hangar/wire';

export type Credentials =
  /** An organization, location or machine API key: its id (a UUID) and secret. */
  | { readonly type: 'api-key'; readonly keyId: string; readonly key: string }
  /** A Hangar user. */
  | { readonly type: 'password'; readonly email: string; readonly password: string }
  /** A token from an earlier Authenticate; it cannot be renewed once it expires. */
  | { readonly type: 'access-token'; readonly token: string }
  /** A machine part: its id and one of its secrets (what viam-server reads from /etc/viam.json). */
  | { readonly type: 'robot-secret'; readonly partId: string; readonly secret: string }
  /** A machine part (its id or fqdn) and one of its location's secrets. */
  | { readonly type: 'robot-location-secret'; readonly part: string; readonly secret: string };

/** proto.rpc.v1.AuthService/Authenticate: credentials for an access token. */
export async function authenticate(transport: Transport, credentials: Credentials): Promise<string> {
  if (credentials.type === 'access-token') return credentials.token;
  const client = createClient(AuthService, transport);
  const [entity, payload] = entityAndPayload(credentials);
  const res = await client.authenticate({ entity, credentials: { type: credentials.type, payload } });
  return res.accessToken;
}

function entityAndPayload(credentials: Exclude<Credentials, { type: 'access-token' }>): [string, string] {
  switch (credentials.type) {
    case 'api-key':
      return [credentials.keyId, credentials.key];
    case 'password':
      return [credentials.email, credentials.password];
    case 'robot-secret':
      return [credentials.partId, credentials.secret];
    case 'robot-location-secret':
      return [credentials.part, credentials.secret];
  }
}
