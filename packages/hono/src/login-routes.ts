/**
 * `POST /login` and `POST /password`: throttling, the upstream password check, and starting a session (a new
 * cookie value every time: fixation defence).
 */
import { type ClaimsRequest, type TokenSet, TransmitError } from "@transmit-edge/core";
import type { Context } from "hono";
import { type Address, clientAddress, formatAddress, type IpPolicy } from "./client-ip.ts";
import { type ClientSource, type RegionalClient, resolveClient } from "./client-source.ts";
import type { SessionCookies } from "./cookies.ts";
import { deviceKeyOf, randomId, type UserKeyHasher } from "./crypto.ts";
import type { DeviceCookies } from "./device-cookie.ts";
import { deviceName } from "./device-name.ts";
import { bodyKind, type LoginInput, type PasswordInput, validInput } from "./input.ts";
import { holdForSecondFactor, type SecondFactor } from "./mfa-routes.ts";
import { problemForError } from "./problem.ts";
import type { Failure, Replies } from "./reply.ts";
import { safeReturnTo } from "./return-to.ts";
import type { SessionAccess } from "./session-access.ts";
import {
  amrOf,
  keepClaims,
  publicView,
  type SessionRecord,
  type SessionStore,
  seconds,
  usable,
  withTokens,
} from "./session-record.ts";
import type { Throttle } from "./throttle.ts";

type Step = NonNullable<Failure["step"]>;

/** What the login routes need from their instance. */
export interface LoginContext {
  client: ClientSource;
  access: SessionAccess;
  cookies: SessionCookies;
  replies: Replies;
  throttle: Throttle;
  /** Device cookies, unless turned off (or no limiter). */
  devices: DeviceCookies | undefined;
  hasher: UserKeyHasher;
  ip: IpPolicy;
  now: () => number;
  idleTimeout: number;
  absoluteTimeout: number;
  pendingTimeout: number;
  keepAccessToken: boolean;
  claims: readonly string[];
  requestClaims: ClaimsRequest | undefined;
  redirectTo: string;
  timeoutMs: number | undefined;
  /** When and how a second factor is asked (mfa-routes.ts). */
  secondFactor: SecondFactor | undefined;
  /**
   * Ends the user's other sessions after a credential change (ASVS 7.4.3), keeping `keepRecordId` (sessions-routes.ts).
   * Never throws: a failure is reported as an event.
   */
  credentialChanged?: (c: Context, userId: string, keepRecordId?: string) => Promise<void>;
  /** Hands a checked login to where its account lives (`TransmitAuthOptions.handOff`). */
  handOff?: HandOff | undefined;
}

/**
 * Runs a login elsewhere once the router's own checks passed (origin, content type, body size, validation, the
 * per-IP limit) and the username's keyed hash is known: e.g. in the account's Durable Object, which runs the same
 * routes with a limiter of its own. Its answer is the login's answer. A throw is answered as a server error (5xx)
 * and never retried: the login may have reached Transmit.
 */
export type HandOff = (c: Context, login: HandOffLogin) => Promise<Response>;

/** What a {@link HandOff} learns about the login besides the request. */
export interface HandOffLogin {
  /** The keyed hash of the normalised username (the account's throttle key). */
  userKey: string;
  /**
   * Whether this browser holds an unexpired device entry for this exact username in `region`, i.e. signed in to that
   * region's account of this name before (false without device cookies).
   */
  signedInBefore(region: string): Promise<boolean>;
}

const MAX_USER_AGENT = 512;

const callOptions = (l: LoginContext) => (l.timeoutMs === undefined ? undefined : { timeoutMs: l.timeoutMs });

/** The login input Transmit gets: the validated credentials, the end user's attributes and the claims request. */
function authenticateInput(
  c: Context,
  l: LoginContext,
  address: Address | undefined,
  username: string,
  password: string,
) {
  const clientAttributes: { ipAddress?: string; userAgent?: string } = {};
  if (address) clientAttributes.ipAddress = formatAddress(address);
  const ua = c.req.header("user-agent");
  if (ua) clientAttributes.userAgent = ua.slice(0, MAX_USER_AGENT);
  return { username, password, clientAttributes, ...(l.requestClaims ? { claims: l.requestClaims } : {}) };
}

/** Claims of the verified ID token (or of the access token when Transmit sent no ID token); needs a subject. */
async function verifiedClaims(l: LoginContext, rc: RegionalClient, tokens: TokenSet) {
  const claims = tokens.idToken
    ? await rc.client.tokens.verifyIdToken(tokens.idToken, callOptions(l))
    : await rc.client.tokens.verifyAccessToken(tokens.accessToken, callOptions(l));
  return typeof claims?.sub === "string" && claims.sub !== "" ? { ...claims, sub: claims.sub } : undefined;
}

/** What a new session starts from. */
export interface Start {
  store: SessionStore;
  rc: RegionalClient;
  tokens: TokenSet;
  userKey: string;
  /** Keyed hash of the username exactly as typed: device cookie entries are for it (none with device cookies off). */
  deviceKey?: string | undefined;
  /** Whether this login was counted by the account throttle (a password login, not the change step). */
  counted: boolean;
  /** The device cookie id the attempt was counted under, when the browser was trusted for the account. */
  device?: string | undefined;
  returnTo: string | undefined;
  /** Cookie lines to send along (clearing a pending change). */
  cookies: string[];
  /** After a second factor: the user it was for (the tokens must name them and hold `mfa` in `amr`). */
  secondFactorOf?: string;
  /** After a second factor: seconds this browser may skip the next one (device cookie). */
  trustFor?: number;
  /** Runs once the new session is stored, before the answer. */
  started?: (record: SessionRecord) => Promise<void>;
}

/** Verifies the tokens, replaces any existing session and answers the login. */
export async function startSession(c: Context, l: LoginContext, s: Start): Promise<Response> {
  const info = { type: "login" as const, userKey: s.userKey, region: s.rc.region };
  /**
   * Transmit accepted the password but no session starts here: end Transmit's session so nothing stays open, and do
   * not count the attempt as a failed guess (an outage of the keys must not lock the account's owner out).
   */
  const abandon = async () => {
    if (s.tokens.sessionId) await s.rc.client.sessions.logout(s.tokens.sessionId, callOptions(l)).catch(() => {});
    if (s.counted) await l.throttle.release(s.userKey, s.device, c);
  };
  let claims: Awaited<ReturnType<typeof verifiedClaims>>;
  try {
    claims = await verifiedClaims(l, s.rc, s.tokens);
  } catch (e) {
    // A token we cannot verify after a successful login is an upstream fault, not bad credentials.
    const kind = problemForError(e) === "server_error" ? "server_error" : "upstream_error";
    await abandon();
    return l.replies.fail(c, kind, { ...info, reason: "token_unverified" });
  }
  if (!claims) {
    await abandon();
    return l.replies.fail(c, "upstream_error", { ...info, reason: "token_without_subject" });
  }
  if (s.secondFactorOf === undefined) {
    // A correct password: a second factor may be needed first (then no session yet).
    const held = await holdForSecondFactor(c, l, { ...s, claims });
    if (held) return held;
  } else if (claims.sub !== s.secondFactorOf || !amrOf(claims)?.includes("mfa")) {
    // Tokens for someone else, or without the second factor: no session from them.
    if (s.tokens.sessionId) await s.rc.client.sessions.logout(s.tokens.sessionId, callOptions(l)).catch(() => {});
    return l.replies.fail(c, "upstream_error", { ...info, reason: "second_factor_unconfirmed" });
  }
  const old = l.cookies.read(c, "session");
  if (old) await s.store.delete(old).catch(() => {});
  const t = seconds(l.now);
  const base: SessionRecord = {
    kind: "session",
    id: randomId(16),
    userId: claims.sub,
    userKey: s.userKey,
    ...(s.deviceKey !== undefined ? { deviceKey: s.deviceKey } : {}),
    region: s.rc.region,
    claims: keepClaims(claims, l.claims),
    createdAt: t,
    lastSeenAt: t,
    expiresAt: t + l.absoluteTimeout,
    idleTimeout: l.idleTimeout,
  };
  const amr = amrOf(claims);
  if (amr) base.amr = amr;
  const device = deviceName(c.req.header("user-agent"));
  if (device) base.device = device;
  const record = withTokens(base, s.tokens, t, l.keepAccessToken);
  let value: string;
  try {
    value = await s.store.create(record);
  } catch {
    // Transmit accepted the password but the store cannot keep the session (e.g. a token set too large for a sealed
    // cookie, or a store outage): the same as above. The caller gets the generic 500.
    await abandon();
    return l.replies.fail(c, "server_error", { ...info, reason: "session_store_failed" });
  }
  if (s.counted) await l.throttle.succeeded(s.userKey, s.device, c);
  else if (s.userKey) await l.throttle.learned(s.userKey, c);
  await s.started?.(record);
  await l.replies.events.emit(c, { ...info, outcome: "success", status: 200 });
  const cookies = [l.cookies.line("session", value, l.absoluteTimeout), ...s.cookies];
  // This browser has now signed in to the account: its next attempts on it are counted apart from strangers'.
  if (l.devices && s.deviceKey) cookies.push(await l.devices.issue(c, s.deviceKey, s.trustFor ?? 0, claims.sub));
  if (bodyKind(c) === "form") return l.replies.seeOther(c, s.returnTo ?? l.redirectTo, cookies);
  return l.replies.ok(c, publicView(record), cookies);
}

/**
 * The answer when Transmit refuses a reset token with a new password (the end of a forced change, or a reset link):
 * a password it rejects may be tried again on the same page (`retry`); a used, expired or forged token is spent, so
 * its pending record goes and the person starts again (`spent`).
 */
export async function resetRefused(
  c: Context,
  replies: Replies,
  e: unknown,
  info: Failure,
  o: { store: SessionStore; value: string; cookies: readonly string[]; retry: Step; spent: Step },
): Promise<Response> {
  if (TransmitError.is(e) && (e.code === "invalid_request" || e.code === "password_rejected")) {
    return replies.fail(c, "password_rejected", { ...info, step: o.retry });
  }
  if (problemForError(e) === "unauthorized") {
    await o.store.delete(o.value).catch(() => {});
    return replies.fail(c, "unauthorized", {
      ...info,
      reason: "reset_token_invalid",
      cookies: o.cookies,
      step: o.spent,
    });
  }
  return replies.failWith(c, e, { ...info, step: o.retry });
}

/** `POST /login`. */
export async function login(c: Context, l: LoginContext): Promise<Response> {
  const input = validInput<LoginInput>(c);
  const userKey = await l.hasher.hash(input.username);
  const returnTo = safeReturnTo(c, input.returnTo);
  const address = clientAddress(c, l.ip);
  const page = returnTo === undefined ? {} : { returnTo };
  const byIp = await l.throttle.ip(address, c);
  if (!byIp.allowed) {
    return l.replies.fail(c, "too_many_requests", {
      type: "login",
      reason: "ip_throttled",
      userKey,
      retryAfter: byIp.retryAfter ?? 1,
      ...page,
    });
  }
  if (l.handOff) {
    try {
      // Without a device cookie there is nothing to find: no keyed hashes per region for new browsers.
      const devices = l.cookies.read(c, "device") === undefined ? undefined : l.devices;
      const signedInBefore = async (region: string) =>
        devices !== undefined &&
        (await devices.trusted(c, await deviceKeyOf(l.hasher, region, input.username))) !== undefined;
      return await l.handOff(c, { userKey, signedInBefore });
    } catch (e) {
      return l.replies.failWith(c, e, { type: "login", userKey, reason: "hand_off_failed", ...page });
    }
  }
  // The store and the client first: the device entry is bound to the region they resolve to, and a failure here
  // has counted nothing (no release).
  let store: SessionStore;
  let rc: RegionalClient;
  try {
    store = l.access.store(c);
    rc = await resolveClient(l.client, c);
  } catch (e) {
    return l.replies.failWith(c, e, { type: "login", userKey });
  }
  // A browser with this account's device cookie is counted on its own; everyone else shares the untrusted count,
  // which stays below Transmit's lockout so that strangers never get the account suspended. The entry names the
  // region (tenant) and the username exactly as typed (the account buckets stay normalised): an entry of `alice`
  // never counts guesses on `Alice`, another account on a tenant with case-sensitive usernames (attack2 F4b), nor on
  // the `alice` of another region's tenant, another account too (attack3 F2).
  const deviceKey = l.devices ? await deviceKeyOf(l.hasher, rc.region, input.username) : undefined;
  const device = deviceKey === undefined ? undefined : await l.devices?.trusted(c, deviceKey);
  // Counted before the upstream call, atomically with the decision: checking first and counting only after a failed
  // call let every request already in flight through. A credentials failure stays counted, an upstream fault is
  // released (the caller learnt nothing from it, and an outage must not lock people out), and a success takes back
  // its own attempt (or, from a trusted device, that device's count) but never earlier untrusted failures.
  const byAccount = await l.throttle.account(userKey, device, c);
  if (!byAccount.allowed) {
    return l.replies.fail(c, "too_many_requests", {
      type: "login",
      reason: device === undefined ? "account_throttled" : "device_throttled",
      userKey,
      retryAfter: byAccount.retryAfter ?? 1,
      ...page,
    });
  }
  let tokens: TokenSet;
  try {
    // Only the validated fields go upstream, exactly as received.
    tokens = await rc.client.passwords.authenticate(
      authenticateInput(c, l, address, input.username, input.password),
      callOptions(l),
    );
  } catch (e) {
    const kind = problemForError(e);
    if (kind !== "invalid_credentials" && kind !== "password_change_required")
      await l.throttle.release(userKey, device, c);
    if (kind === "password_change_required" && TransmitError.is(e) && e.resetToken) {
      return pendingChange(c, l, { store, rc, username: input.username, resetToken: e.resetToken, userKey, returnTo });
    }
    return l.replies.failWith(c, e, { type: "login", userKey, region: rc.region, ...page });
  }
  const cleared = (await dropPending(c, l, store)) ? [l.cookies.clear("pending")] : [];
  return startSession(c, l, {
    store,
    rc,
    tokens,
    userKey,
    deviceKey,
    counted: true,
    device,
    returnTo,
    cookies: cleared,
  });
}

/** Deletes the pending password change the request carries, if any; true when there was a pending cookie. */
async function dropPending(c: Context, l: LoginContext, store: SessionStore): Promise<boolean> {
  const value = l.cookies.read(c, "pending");
  if (!value) return false;
  await store.delete(value).catch(() => {});
  return true;
}

/** Keeps the reset token server-side (or sealed) in a short-lived pending record and answers 403. */
async function pendingChange(
  c: Context,
  l: LoginContext,
  p: {
    store: SessionStore;
    rc: RegionalClient;
    username: string;
    resetToken: string;
    userKey: string;
    returnTo: string | undefined;
  },
): Promise<Response> {
  await dropPending(c, l, p.store);
  const t = seconds(l.now);
  const value = await p.store.create({
    kind: "pending",
    id: randomId(16),
    userKey: p.userKey,
    region: p.rc.region,
    username: p.username,
    resetToken: p.resetToken,
    createdAt: t,
    lastSeenAt: t,
    expiresAt: t + l.pendingTimeout,
    idleTimeout: l.pendingTimeout,
  });
  return l.replies.fail(c, "password_change_required", {
    type: "login",
    userKey: p.userKey,
    region: p.rc.region,
    cookies: [l.cookies.line("pending", value, l.pendingTimeout)],
    step: "password",
    ...(p.returnTo === undefined ? {} : { returnTo: p.returnTo }),
  });
}

/** `POST /password`: finishes a forced password change, then signs in with the new password. */
export async function changePassword(c: Context, l: LoginContext): Promise<Response> {
  const input = validInput<PasswordInput>(c);
  const returnTo = safeReturnTo(c, input.returnTo);
  const page = returnTo === undefined ? {} : { returnTo };
  const address = clientAddress(c, l.ip);
  const byIp = await l.throttle.ip(address, c);
  if (!byIp.allowed) {
    return l.replies.fail(c, "too_many_requests", {
      type: "password_change",
      reason: "ip_throttled",
      retryAfter: byIp.retryAfter ?? 1,
      step: "password",
      ...page,
    });
  }
  let store: SessionStore;
  try {
    store = l.access.store(c);
  } catch (e) {
    return l.replies.failWith(c, e, { type: "password_change" });
  }
  const value = l.cookies.read(c, "pending");
  const pending = value ? await store.get(value).catch(() => undefined) : undefined;
  if (!value || !pending || !usable(pending, "pending", seconds(l.now)) || !pending.resetToken || !pending.username) {
    return l.replies.fail(c, "unauthorized", { type: "password_change", reason: "no_pending_change", step: "login" });
  }
  const info = {
    type: "password_change" as const,
    ...(pending.userKey !== undefined ? { userKey: pending.userKey } : {}),
    ...(pending.region !== undefined ? { region: pending.region } : {}),
    ...page,
  };
  const clear = [l.cookies.clear("pending")];
  let rc: RegionalClient;
  try {
    rc = await resolveClient(l.client, c, pending.region);
    await rc.client.passwords.reset({ resetToken: pending.resetToken, newPassword: input.newPassword }, callOptions(l));
  } catch (e) {
    return resetRefused(c, l.replies, e, info, { store, value, cookies: clear, retry: "password", spent: "login" });
  }
  await store.delete(value).catch(() => {});
  await l.replies.events.emit(c, { ...info, outcome: "success", status: 200 });
  let tokens: TokenSet;
  try {
    tokens = await rc.client.passwords.authenticate(
      authenticateInput(c, l, address, pending.username, input.newPassword),
      callOptions(l),
    );
  } catch {
    // The password did change; the user signs in again with it.
    if (bodyKind(c) === "form") return l.replies.seeOther(c, returnTo ?? l.redirectTo, clear);
    return l.replies.ok(c, { passwordChanged: true, signedIn: false }, clear);
  }
  return startSession(c, l, {
    store,
    rc,
    tokens,
    userKey: pending.userKey ?? "",
    deviceKey: l.devices ? await deviceKeyOf(l.hasher, rc.region, pending.username) : undefined,
    counted: false,
    returnTo,
    cookies: clear,
    // The other sessions of the account end; the one started with the new password stays (ASVS 7.4.3).
    started: async (record) => {
      if (record.userId) await l.credentialChanged?.(c, record.userId, record.id);
    },
  });
}
