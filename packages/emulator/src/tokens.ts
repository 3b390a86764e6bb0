/** Issuing and checking the JWTs of one region: client access tokens, user tokens, reset tokens. */
import { type JWTPayload, jwtVerify, SignJWT } from "jose";
import { randomId, type SigningKey } from "./crypto.js";
import type { RegionName } from "./options.js";
import type { ClientRecord, RegionState, SessionRecord, UserRecord } from "./state.js";

/** Lifetimes from Transmit's token table (docs/transmit-contract.md, "Lifetimes"). */
export const ACCESS_TOKEN_TTL_S = 3600;
export const ID_TOKEN_TTL_S = 3600;
export const REFRESH_TOKEN_TTL_MS = 14 * 24 * 3600 * 1000;
export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
/** Default `aud` of access tokens when no resource is requested. */
export const DEFAULT_AUDIENCE = "userid-api";

/** What the token functions need to know about a region. */
export interface RegionRuntime {
  name: RegionName;
  issuer: string;
  tenantId: string;
  state: RegionState;
  key(): Promise<SigningKey>;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

async function sign(region: RegionRuntime, payload: JWTPayload, nowMs: number, ttlS: number): Promise<string> {
  const key = await region.key();
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.kid })
    .setIssuer(region.issuer)
    .setIssuedAt(seconds(nowMs))
    .setExpirationTime(seconds(nowMs) + ttlS)
    .sign(key.privateKey);
}

async function verify(region: RegionRuntime, token: string, nowMs: number): Promise<JWTPayload | undefined> {
  const key = await region.key();
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      issuer: region.issuer,
      algorithms: ["RS256"],
      currentDate: new Date(nowMs),
    });
    return payload;
  } catch {
    return undefined;
  }
}

/** Issues a client access token (client credentials grant). */
export function issueClientToken(
  region: RegionRuntime,
  client: ClientRecord,
  resource: string | undefined,
  nowMs: number,
): Promise<string> {
  return sign(
    region,
    {
      sub: client.clientId,
      aud: resource ?? DEFAULT_AUDIENCE,
      scope: "",
      client_id: client.clientId,
      app_id: client.appId,
      app_name: client.appName,
      tid: region.tenantId,
      jti: randomId(12),
    },
    nowMs,
    ACCESS_TOKEN_TTL_S,
  );
}

/**
 * Checks a `Authorization` header value: a client access token signed by this region's key, issued by this region,
 * not expired on the emulator clock, for a client that still exists. Returns the client or undefined.
 * Told apart from other tokens by the documented claims only (docs/transmit-contract.md): a client token's `sub` is
 * its `client_id`; user tokens have a user as `sub`, reset tokens no `client_id`.
 */
export async function verifyClientToken(
  region: RegionRuntime,
  authorization: string | undefined,
  nowMs: number,
): Promise<ClientRecord | undefined> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  if (!match?.[1]) return undefined;
  const payload = await verify(region, match[1], nowMs);
  if (payload?.tid !== region.tenantId) return undefined;
  const clientId = payload.client_id;
  if (typeof clientId !== "string" || payload.sub !== clientId) return undefined;
  return region.state.clients.get(clientId);
}

/** Claims a caller may request through `claims.id_token` / `claims.access_token`. */
function requestedClaims(user: UserRecord, request: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!request || typeof request !== "object") return out;
  const available: Record<string, unknown> = {
    email: user.email,
    email_verified: user.email !== undefined ? true : undefined,
    phone_number: user.phoneNumber,
    phone_number_verified: user.phoneNumber !== undefined ? true : undefined,
    username: user.password ? user.username : undefined,
    roles: user.roles,
    fname: user.givenName,
    lname: user.familyName,
    groups: [],
    new_user: false,
    created_at: seconds(user.createdAt),
  };
  for (const name of Object.keys(request)) {
    const value = available[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The token set of a successful user authentication. */
export interface UserTokenSet {
  access_token: string;
  id_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}

/** Issues access, ID and (opaque, rotating) refresh tokens for a session. */
export async function issueUserTokens(
  region: RegionRuntime,
  input: {
    user: UserRecord;
    client: ClientRecord;
    session: SessionRecord;
    resource?: string;
    claims?: unknown;
    nowMs: number;
  },
): Promise<UserTokenSet> {
  const { user, client, session, nowMs } = input;
  const claims = (input.claims ?? {}) as { id_token?: unknown; access_token?: unknown };
  const access = await sign(
    region,
    {
      sub: user.userId,
      aud: input.resource ?? DEFAULT_AUDIENCE,
      scope: "openid",
      roles: user.roles,
      tid: region.tenantId,
      client_id: client.clientId,
      app_id: client.appId,
      app_name: client.appName,
      jti: randomId(12),
      ...requestedClaims(user, claims.access_token),
    },
    nowMs,
    ACCESS_TOKEN_TTL_S,
  );
  const id = await sign(
    region,
    {
      ...requestedClaims(user, claims.id_token),
      sub: user.userId,
      aud: client.clientId,
      tid: region.tenantId,
      auth_time: seconds(session.authTime),
      amr: session.amr,
    },
    nowMs,
    ID_TOKEN_TTL_S,
  );
  const refresh = randomId(32, "rt_");
  region.state.refreshTokens.set(refresh, {
    sessionId: session.sessionId,
    userId: user.userId,
    clientId: client.clientId,
    ...(input.resource !== undefined ? { resource: input.resource } : {}),
    expiresAt: nowMs + REFRESH_TOKEN_TTL_MS,
    spent: false,
  });
  return {
    access_token: access,
    id_token: id,
    refresh_token: refresh,
    token_type: "Bearer",
    expires_in: ACCESS_TOKEN_TTL_S,
  };
}

/**
 * Issues a single-use reset token (a JWT, as in the documented 403 example) for a user. Its claims are not documented;
 * it names the user and the tenant and carries no `client_id` or `aud`, so it is neither a client nor a user access
 * token. The ledger entry under its `jti` is what makes it a reset token here.
 */
export async function issueResetToken(
  region: RegionRuntime,
  user: UserRecord,
  nowMs: number,
  ttlMinutes: number,
): Promise<string> {
  const jti = randomId(12);
  region.state.resetTokens.set(jti, { userId: user.userId, used: false });
  return sign(region, { sub: user.userId, tid: region.tenantId, jti }, nowMs, ttlMinutes * 60);
}

/**
 * Reads a reset token: the user and the token's ledger entry when it is validly signed, unexpired and unused. The
 * caller marks the entry used once the reset succeeds, so a rejected new password does not burn the token.
 */
export async function readResetToken(
  region: RegionRuntime,
  token: string,
  nowMs: number,
): Promise<{ user: UserRecord; entry: { used: boolean } } | undefined> {
  const payload = await verify(region, token, nowMs);
  if (payload?.tid !== region.tenantId || typeof payload.jti !== "string") return undefined;
  const entry = region.state.resetTokens.get(payload.jti);
  if (!entry || entry.used || entry.userId !== payload.sub) return undefined;
  const user = region.state.users.get(entry.userId);
  return user ? { user, entry } : undefined;
}
