import { createClient, type Transport } from '@connectrpc/connect';
import { AuthService } from '@hangar/wire';

export type Credentials =
  /** An organization, location or machine API key: its id (a UUID) and secret. */
  | { readonly type: 'api-key'; readonly keyId: string; readonly key: string }
  /** A Hangar user. */
  | { readonly type: 'password'; readonly email: string; readonly password: string }
  /** A token from an earlier Authenticate; it cannot be renewed once it expires. */
  | { readonly type: 'access-token'; readonly token: string };

/** proto.rpc.v1.AuthService/Authenticate: credentials for an access token. */
export async function authenticate(transport: Transport, credentials: Credentials): Promise<string> {
  if (credentials.type === 'access-token') return credentials.token;
  const client = createClient(AuthService, transport);
  const [entity, payload] =
    credentials.type === 'api-key' ? [credentials.keyId, credentials.key] : [credentials.email, credentials.password];
  const res = await client.authenticate({ entity, credentials: { type: credentials.type, payload } });
  return res.accessToken;
}
