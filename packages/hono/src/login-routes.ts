/**
 * `POST /login` and `POST /password`: throttling, the upstream password check, and starting a session (a new
 * cookie value every time: fixation defence).
 */
import type { Context } from "hono";
import { clientIp } from "./client-ip.ts";
import { resolveClient } from "./client-source.ts";
import { randomId } from "./crypto.ts";
import { emit } from "./events.ts";
import { bodyKind, type LoginInput, type PasswordInput, safeReturnTo, validInput } from "./input.ts";
import type { ResolvedOptions } from "./options.ts";
import { isTransmitError, problemForError } from "./problem.ts";
import { fail, failWithError, ok, seeOther } from "./reply.ts";
import { clearCookieLine, cookieLine, readCookie } from "./session-cookie.ts";
import { keepClaims, publicView, seconds, usable, withTokens } from "./session-logic.ts";
import type { LoginClient, RegionalClient, SessionRecord, SessionStore, TokenSetLike } from "./types.ts";

const MAX_USER_AGENT = 512;

/** The login input Transmit gets: the validated credentials, the end user's attributes and the claims request. */
function authenticateInput(c: Context, o: ResolvedOptions, username: string, password: string) {
  return {
    username,
    password,
    clientAttributes: attributes(c, o),
    ...(o.requestClaims ? { claims: o.requestClaims } : {}),
  };
}

function callOptions(o: ResolvedOptions) {
  return o.timeoutMs === undefined ? undefined : { timeoutMs: o.timeoutMs };
}

function attributes(c: Context, o: ResolvedOptions) {
  const out: { ipAddress?: string; userAgent?: string } = {};
  const ip = clientIp(c, o.ip, o.getIp);
  if (ip) out.ipAddress = ip;
  const ua = c.req.header("user-agent");
  if (ua) out.userAgent = ua.slice(0, MAX_USER_AGENT);
  return out;
}

/** Claims of the verified ID token (or of the access token when Transmit sent no ID token). */
async function verifiedClaims(client: LoginClient, tokens: TokenSetLike, o: ResolvedOptions) {
  const opts = callOptions(o);
  const claims = tokens.idToken
    ? await client.tokens.verifyIdToken(tokens.idToken, opts)
    : await client.tokens.verifyAccessToken(tokens.accessToken, opts);
  if (!claims || typeof claims.sub !== "string" || claims.sub === "") {
    throw Object.assign(new Error("Token without subject"), { name: "TransmitError", code: "invalid_response" });
  }
  return claims;
}

/** Verifies the tokens, replaces any existing session and answers the login. */
async function startSession(
  c: Context,
  o: ResolvedOptions,
  store: SessionStore,
  rc: RegionalClient,
  tokens: TokenSetLike,
  userKey: string,
  returnTo: string | undefined,
  extraCookies: string[],
): Promise<Response> {
  let claims: Record<string, unknown>;
  try {
    claims = await verifiedClaims(rc.client, tokens, o);
  } catch (e) {
    // A token we cannot verify after a successful login is an upstream fault, not bad credentials.
    const kind = problemForError(e) === "server_error" ? "server_error" : "upstream_error";
    return fail(c, o, kind, { type: "login", reason: "token_unverified", userKey, region: rc.region });
  }
  const old = readCookie(c, o.cookies.session);
  if (old) await store.delete(old).catch(() => {});
  const t = seconds(o.now);
  const base: SessionRecord = {
    kind: "session",
    id: randomId(16),
    userId: claims.sub as string,
    userKey,
    region: rc.region,
    claims: keepClaims(claims, o.claims),
    createdAt: t,
    lastSeenAt: t,
    expiresAt: t + o.absoluteTimeout,
    idleTimeout: o.idleTimeout,
  };
  const record = withTokens(base, tokens, t, o.keepAccessToken);
  const value = await store.create(record);
  if (o.limiter?.reset) await o.limiter.reset({ scope: "account", key: userKey });
  await emit(o.onEvent, c, o.now, { type: "login", outcome: "success", status: 200, userKey, region: rc.region });
  const cookies = [cookieLine(o.cookies, o.cookies.session, value, o.absoluteTimeout), ...extraCookies];
  if (bodyKind(c) === "form") return seeOther(safeReturnTo(c, returnTo, o.redirectTo), cookies);
  return ok(publicView(record), cookies);
}

/** Per-IP throttle shared by both routes; returns a 429 response when over. */
async function throttleIp(c: Context, o: ResolvedOptions, type: "login" | "password_change", userKey?: string) {
  if (!o.limiter) return undefined;
  const ip = clientIp(c, o.ip, o.getIp);
  if (!ip) return undefined;
  const r = await o.limiter.hit({ scope: "ip", key: ip });
  if (r.allowed) return undefined;
  return fail(c, o, "too_many_requests", { type, reason: "ip_throttled", userKey, retryAfter: r.retryAfter ?? 1 });
}

/** `POST /login`. */
export async function login(c: Context, o: ResolvedOptions): Promise<Response> {
  const input = validInput<LoginInput>(c);
  const userKey = await o.hasher.hash(input.username);
  const returnTo = safeReturnTo(c, input.returnTo, o.redirectTo);
  const throttled = await throttleIp(c, o, "login", userKey);
  if (throttled) return throttled;
  if (o.limiter) {
    // Counted before the upstream call, atomically with the decision: checking first and counting only after a
    // failed call let every request already in flight through, so N concurrent guesses all reached Transmit.
    // A success resets the count, a credentials failure stays counted, an upstream fault is released: the caller
    // learnt nothing from it, and an outage must not lock people out.
    const r = await o.limiter.hit({ scope: "account", key: userKey });
    if (!r.allowed) {
      return fail(c, o, "too_many_requests", {
        type: "login",
        reason: "account_throttled",
        userKey,
        retryAfter: r.retryAfter ?? 1,
        returnTo,
      });
    }
  }
  let store: SessionStore;
  let rc: RegionalClient;
  try {
    store = o.sessions(c);
    rc = await resolveClient(o.client, c);
  } catch (e) {
    return failWithError(c, o, e, { type: "login", userKey });
  }
  let tokens: TokenSetLike;
  try {
    // Only the validated fields go upstream, exactly as received.
    tokens = await rc.client.passwords.authenticate(
      authenticateInput(c, o, input.username, input.password),
      callOptions(o),
    );
  } catch (e) {
    const kind = problemForError(e);
    if (kind !== "invalid_credentials" && kind !== "password_change_required" && o.limiter?.release) {
      await o.limiter.release({ scope: "account", key: userKey });
    }
    if (kind === "password_change_required" && isTransmitError(e) && e.resetToken) {
      return pendingChange(c, o, store, rc, input.username, e.resetToken, userKey, returnTo);
    }
    return failWithError(c, o, e, { type: "login", userKey, region: rc.region, returnTo });
  }
  const pendingCookie = (await dropPending(c, o, store)) ? [clearCookieLine(o.cookies, o.cookies.pending)] : [];
  return startSession(c, o, store, rc, tokens, userKey, input.returnTo, pendingCookie);
}

/** Deletes the pending password change the request carries, if any; true when there was a pending cookie. */
async function dropPending(c: Context, o: ResolvedOptions, store: SessionStore): Promise<boolean> {
  const value = readCookie(c, o.cookies.pending);
  if (!value) return false;
  await store.delete(value).catch(() => {});
  return true;
}

/** Keeps the reset token server-side (or sealed) in a short-lived pending record and answers 403. */
async function pendingChange(
  c: Context,
  o: ResolvedOptions,
  store: SessionStore,
  rc: RegionalClient,
  username: string,
  resetToken: string,
  userKey: string,
  returnTo: string,
): Promise<Response> {
  await dropPending(c, o, store);
  const t = seconds(o.now);
  const value = await store.create({
    kind: "pending",
    id: randomId(16),
    userKey,
    region: rc.region,
    username,
    resetToken,
    createdAt: t,
    lastSeenAt: t,
    expiresAt: t + o.pendingTimeout,
    idleTimeout: o.pendingTimeout,
  });
  const cookie = cookieLine(o.cookies, o.cookies.pending, value, o.pendingTimeout);
  return fail(c, o, "password_change_required", {
    type: "login",
    userKey,
    region: rc.region,
    cookies: [cookie],
    step: "password",
    returnTo,
  });
}

/** `POST /password`: finishes a forced password change, then signs in with the new password. */
export async function changePassword(c: Context, o: ResolvedOptions): Promise<Response> {
  const input = validInput<PasswordInput>(c);
  const returnTo = safeReturnTo(c, input.returnTo, o.redirectTo);
  const throttled = await throttleIp(c, o, "password_change");
  if (throttled) return throttled;
  let store: SessionStore;
  try {
    store = o.sessions(c);
  } catch (e) {
    return failWithError(c, o, e, { type: "password_change" });
  }
  const value = readCookie(c, o.cookies.pending);
  const pending = value ? await store.get(value) : undefined;
  if (!value || !pending || !usable(pending, "pending", seconds(o.now)) || !pending.resetToken || !pending.username) {
    return fail(c, o, "unauthorized", { type: "password_change", reason: "no_pending_change", step: "login" });
  }
  const info = { type: "password_change" as const, userKey: pending.userKey, region: pending.region, returnTo };
  const clear = [clearCookieLine(o.cookies, o.cookies.pending)];
  let rc: RegionalClient;
  try {
    rc = await resolveClient(o.client, c, pending.region);
    await rc.client.passwords.reset({ resetToken: pending.resetToken, newPassword: input.newPassword }, callOptions(o));
  } catch (e) {
    if (isTransmitError(e) && e.code === "invalid_request") {
      return fail(c, o, "password_rejected", { ...info, step: "password" });
    }
    if (problemForError(e) === "unauthorized") {
      await store.delete(value).catch(() => {});
      return fail(c, o, "unauthorized", { ...info, reason: "reset_token_invalid", cookies: clear, step: "login" });
    }
    return failWithError(c, o, e, { ...info, step: "password" });
  }
  await store.delete(value).catch(() => {});
  await emit(o.onEvent, c, o.now, { ...info, outcome: "success", status: 200 });
  let tokens: TokenSetLike;
  try {
    tokens = await rc.client.passwords.authenticate(
      authenticateInput(c, o, pending.username, input.newPassword),
      callOptions(o),
    );
  } catch {
    // The password did change; the user signs in again with it.
    if (bodyKind(c) === "form") return seeOther(returnTo, clear);
    return ok({ passwordChanged: true, signedIn: false }, clear);
  }
  return startSession(c, o, store, rc, tokens, pending.userKey ?? "", input.returnTo, clear);
}
