import { invalid, isUuid, parseEmail, unauthenticated, type Actor, type ActorKind } from '@hangar/domain';
import { apiKeys, authorizations, users, type Database } from '@hangar/store';
import { randomBytes } from 'node:crypto';
import type { Limits } from '../settings.js';
import { createHashQueue } from './hash-queue.js';
import { createLoginThrottle } from './login-throttle.js';
import { isMachineCredentialType, MACHINE_CREDENTIAL_TYPES, type MachineCredentials } from './machine-credentials.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { secretMatches } from './secrets.js';
import type { SigningKeys } from './signing-keys.js';
import { signToken, tokenKeyId, verifyToken, type TokenClaims } from './tokens.js';

export interface AuthDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly signingKeys: SigningKeys;
  readonly tokenTtlSeconds: number;
  readonly limits: Limits;
  /** Runs after a successful password sign-in (pending invitations sent without mail are applied). */
  readonly onSignIn?: (userId: string, email: string) => Promise<void>;
  readonly machines: MachineCredentials;
}

export const CREDENTIAL_TYPES = ['api-key', 'password', ...MACHINE_CREDENTIAL_TYPES] as const;

/** Passwords are chosen by people; this many characters is the floor NIST SP 800-63B sets for them. */
export const MIN_PASSWORD_LENGTH = 12;
const MAX_EMAIL_LENGTH = 254;

const LOG_IN_AGAIN = 'log in again (hangar login, or Authenticate with your API key)';
const MISSING_CREDENTIALS =
  'missing credentials: call proto.rpc.v1.AuthService/Authenticate and send "authorization: Bearer <access token>"';

export function createAuthService({ db, now, signingKeys, tokenTtlSeconds, limits, onSignIn, machines }: AuthDeps) {
  const unknownUserHash = hashPassword(randomBytes(16).toString('hex'));
  const nowSeconds = (): number => Math.floor(now().getTime() / 1000);
  const throttle = createLoginThrottle({
    failuresPerAccount: limits.loginFailuresPerAccount,
    failuresPerAddress: limits.loginFailuresPerAddress,
    backoffMaxSeconds: limits.loginBackoffMaxSeconds,
    now,
  });
  const hashQueue = createHashQueue({ concurrency: limits.passwordHashConcurrency, maxQueued: limits.passwordHashQueue });

  function mint(typ: ActorKind, sub: string, gen: number, cred?: string): string {
    const iat = nowSeconds();
    return signToken({ sub, typ, gen, iat, exp: iat + tokenTtlSeconds, ...(cred !== undefined && { cred }) }, signingKeys.current());
  }

  // One message for every wrong credential, so a caller cannot tell a wrong secret from an unknown key.
  const rejected = () => unauthenticated('invalid credentials: check the key id and secret (or email and password)');

  function checkPasswordSize(field: string, password: string): void {
    const bytes = Buffer.byteLength(password, 'utf8');
    if (bytes > limits.maxPasswordBytes) {
      throw invalid(`${field} is ${bytes} bytes; at most ${limits.maxPasswordBytes} bytes are accepted (--max-password-bytes)`);
    }
  }

  /** Checks a password through the throttle and the hashing queue; counts a failure against both. */
  async function passwordMatches(email: string, password: string, stored: string | undefined, address: string): Promise<boolean> {
    throttle.check(email, address);
    // An unknown email costs the same scrypt run as a known one, so timing does not tell which exist.
    const hash = stored ?? (await unknownUserHash);
    const matches = await hashQueue.run(address, () => verifyPassword(password, hash));
    if (stored === undefined || !matches) {
      throttle.failed(email, address);
      return false;
    }
    throttle.succeeded(email);
    return true;
  }

  function verified(token: string, key: Buffer | undefined): TokenResult {
    const check = verifyToken(token, key, nowSeconds());
    if (!check.ok) {
      return { problem: check.reason === 'expired' ? `access token expired: ${LOG_IN_AGAIN}` : `invalid access token: ${LOG_IN_AGAIN}` };
    }
    return { claims: check.claims };
  }

  /**
   * The claims of a well-formed, correctly signed, unexpired token, or why not (a message for the caller).
   * Synchronous unless the token names a signing key this process has not seen yet: this runs on every call.
   */
  function checkToken(header: string | null): TokenResult | Promise<TokenResult> {
    if (header === null || header === '') return { problem: MISSING_CREDENTIALS };
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match?.[1] === undefined) return { problem: 'malformed authorization header: expected "Bearer <access token>"' };
    const token = match[1];
    const kid = tokenKeyId(token);
    if (kid === undefined) return { problem: `invalid access token: ${LOG_IN_AGAIN}` };
    const key = signingKeys.known(kid);
    return key !== undefined ? verified(token, key) : signingKeys.find(kid).then((found) => verified(token, found));
  }

  async function actorFromClaims({ sub, typ, gen, cred }: TokenClaims): Promise<Actor> {
    if (typ === 'machine') {
      const machine = await machines.actorOf(sub, cred ?? '');
      if (machine === undefined) {
        throw unauthenticated(
          `the machine part of this token, or the secret it was issued for, was deleted: authenticate again with a current secret`,
        );
      }
      return machine;
    }
    if (typ === 'api-key') {
      const key = await apiKeys.findApiKeyWithGrants(db, sub);
      if (key === undefined) throw unauthenticated(`the API key of this token was deleted: ${LOG_IN_AGAIN}`);
      if (key.generation !== gen) throw unauthenticated(`the API key of this token was rotated: ${LOG_IN_AGAIN} using the new secret`);
      return { kind: typ, id: sub, label: key.name, organizationId: key.organizationId, grants: key.grants };
    }
    const user = await users.findTokenUser(db, sub);
    if (user === undefined) throw unauthenticated(`the user of this token no longer exists: ${LOG_IN_AGAIN}`);
    if (user.tokenGeneration !== gen)
      throw unauthenticated(`this session was ended (logged out everywhere or password changed): ${LOG_IN_AGAIN}`);
    return { kind: typ, id: sub, label: user.email, grants: await authorizations.listGrants(db, sub) };
  }

  return {
    /** proto.rpc.v1.AuthService/Authenticate: credentials in, a 24-hour access token out. */
    async authenticate(entity: string, type: string, payload: string, address: string): Promise<string> {
      if (entity === '') throw invalid('entity is required: the API key id, the email of a user, or a machine part id');
      if (payload === '') throw invalid('credentials.payload is required');
      if (isMachineCredentialType(type)) {
        if (entity.length > 512) throw rejected();
        const matched = await machines.check(type, entity, payload);
        if (matched === undefined) throw rejected();
        return mint('machine', matched.partId, 0, matched.cred);
      }
      switch (type) {
        case 'api-key': {
          if (!isUuid(entity)) throw rejected();
          const key = await apiKeys.findApiKeySecret(db, entity);
          if (key === undefined || !secretMatches(payload, key.secretHash)) throw rejected();
          return mint('api-key', entity, key.generation);
        }
        case 'password': {
          if (entity.length > MAX_EMAIL_LENGTH) throw invalid(`entity must be an email address of at most ${MAX_EMAIL_LENGTH} characters`);
          checkPasswordSize('credentials.payload', payload);
          const email = entity.trim().toLowerCase();
          const found = await users.findPasswordHash(db, email);
          if (!(await passwordMatches(email, payload, found?.passwordHash, address)) || found === undefined) throw rejected();
          await users.touchLastLogin(db, found.id, now().toISOString());
          await onSignIn?.(found.id, email);
          return mint('user', found.id, found.tokenGeneration);
        }
        default:
          throw invalid(
            `credentials.type must be one of ${CREDENTIAL_TYPES.map((t) => JSON.stringify(t)).join(', ')}, got ${JSON.stringify(type)}`,
          );
      }
    },

    /**
     * The cheap part of authentication, done before a request body is read: the claims of a well-formed,
     * correctly signed, unexpired token, or the message to refuse the call with.
     */
    preflight: checkToken,

    /** A token for a user whose account was just created (accepting an invitation). */
    mintUser: (userId: string, generation: number): string => mint('user', userId, generation),

    /**
     * The caller of an RPC, with its current grants: from the claims preflight verified for this request,
     * or else from its `authorization: Bearer …` header.
     */
    async actorOf(claims: TokenClaims | undefined, header: string | null): Promise<Actor> {
      if (claims !== undefined) return actorFromClaims(claims);
      const result = await checkToken(header);
      if ('problem' in result) throw unauthenticated(result.problem);
      return actorFromClaims(result.claims);
    },

    /** Replaces the caller's password after checking the current one; every earlier token stops working. */
    async changePassword(actor: Actor, current: string, next: string, address: string): Promise<string> {
      if (actor.kind !== 'user') {
        throw invalid('API keys have no password: rotate the key instead (hangar organizations api-key rotate --key-id …)');
      }
      checkPasswordSize('current_password', current);
      checkPasswordSize('new_password', next);
      if (Array.from(next).length < MIN_PASSWORD_LENGTH) {
        throw invalid(`new_password must be at least ${MIN_PASSWORD_LENGTH} characters long`);
      }
      const stored = await users.findPasswordHashById(db, actor.id);
      const email = stored?.email ?? parseEmail(actor.label);
      if (!(await passwordMatches(email, current, stored?.passwordHash, address))) {
        throw unauthenticated('the current password is wrong: nothing was changed');
      }
      const hash = await hashQueue.run(address, () => hashPassword(next));
      const generation = await db.transaction().execute(async (tx) => {
        await users.setPasswordHash(tx, actor.id, hash);
        return users.bumpTokenGeneration(tx, actor.id);
      });
      return mint('user', actor.id, generation);
    },

    /** Revokes every token of the calling user, this one included. */
    async logOutEverywhere(actor: Actor): Promise<void> {
      if (actor.kind !== 'user') {
        throw invalid(
          'an API key session cannot be ended everywhere: rotate the key (hangar organizations api-key rotate --key-id …) to cut off its tokens',
        );
      }
      await users.bumpTokenGeneration(db, actor.id);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

export type TokenResult = { readonly claims: TokenClaims } | { readonly problem: string };
