/**
 * The account routes: `POST /signup`, `POST /forgot-password`, `GET /reset-password` (the reset email's link lands
 * here) and `POST /reset-password`. Mounted only when the instance has `account` (sign-up) and `account.resetUrl`
 * (forgot password). Answers never tell whether an account exists: sign-up and forgot password answer the same
 * status, body and headers either way, and the work that differs (an email to the owner of a taken address, the
 * reset email itself) runs after the answer (SECURITY.md, "Account enumeration"; checklist R01-R04).
 */
import { TransmitError } from "@transmit-edge/core";
import type { TransmitAccountClient } from "@transmit-edge/core/account";
import type { Context } from "hono";
import { clientAddress } from "./client-ip.ts";
import { type LoginClient, type RegionalClient, resolveClient } from "./client-source.ts";
import { deviceKeyOf, randomId } from "./crypto.ts";
import { bodyKind, type PasswordInput, validInput } from "./input.ts";
import { type LoginContext, resetRefused } from "./login-routes.ts";
import { OptionError } from "./option-error.ts";
import { problemForError } from "./problem.ts";
import { type SessionStore, seconds, usable } from "./session-record.ts";

/** The account client methods the routes call (core's `createAccountClient` returns one). */
export type AccountClient = {
  readonly users: Pick<TransmitAccountClient["users"], "create">;
  readonly passwords: Pick<TransmitAccountClient["passwords"], "sendResetEmail">;
};

/**
 * Sign-up and forgot password (option `account` of `transmitAuth`).
 *
 * @example
 * ```ts
 * import { createAccountClient } from "@transmit-edge/core/account";
 * transmitAuth({
 *   client,
 *   sessions,
 *   limiter,
 *   userKeySecret: env.USER_KEY_SECRET,
 *   getIp,
 *   account: { client: createAccountClient, resetUrl: "https://login.example.com/auth/reset-password" },
 * });
 * ```
 */
export interface AccountOptions {
  /**
   * Makes the account client of a login client: pass core's `createAccountClient` (`@transmit-edge/core/account`).
   * Taken as an option so apps without these routes never bundle it. It gets the core client the `client` source
   * returned (so the account calls share its region, credentials and token cache). Mounts `POST /signup`.
   */
  // `never`: any function of a core client fits (core's takes a `TransmitLoginClient`, wider than `LoginClient`).
  client: (login: never) => AccountClient;
  /**
   * Absolute URL of this router's `GET /reset-password`, where the reset email's link lands (Transmit must allow it
   * as a redirect URI); a function gets the request. Never built from the request's `Host` by default: a forged
   * `Host` would send a victim's reset link to another site. Mounts `POST /forgot-password` and `/reset-password`.
   */
  resetUrl?: string | ((c: Context) => string);
  /** Where form posts go on success. Defaults: `/login?signedUp`, `/forgot-password?sent`, `/reset-password`, `/login?passwordReset`. */
  pages?: { signedUp?: string; resetSent?: string; reset?: string; resetDone?: string };
  /**
   * Runs work after the answer (the reset email, the note to a taken address's owner), so its time never shows in
   * the answer. Default: the request's `waitUntil` where there is one, else the promise runs on its own.
   */
  defer?: (c: Context, task: () => Promise<unknown>) => void;
}

/** What the account routes need from their instance. */
export interface AccountContext extends LoginContext {
  account: {
    client: (login: LoginClient) => AccountClient;
    resetUrl: ((c: Context) => string) | undefined;
    pages: { signedUp: string; resetSent: string; reset: string; resetDone: string };
    defer: (c: Context, task: () => Promise<unknown>) => void;
  };
  /**
   * Ends the user's other sessions after a credential change (the per-user session index connects it). Called
   * after a successful reset with the user id Transmit's tokens name.
   */
  credentialChanged?: (c: Context, userId: string, keepRecordId?: string) => Promise<void>;
}

/** How long the reset page keeps a landed link's code (s): enough to choose a password, at most Transmit's 60 min. */
const RESET_PAGE_TIMEOUT = 900;
/** Longest link code kept (the reset token cap of core's `passwords.reset`). */
const MAX_CODE = 16 * 1024;
const REGION = /^[a-z0-9-]{1,32}$/;
/** A plausible email address: something, one `@`, something with a dot-free or dotted domain; Transmit checks more. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

const FACTORY = "transmitAuth";

/** Checks the `account` option when the instance is created. */
export function accountSetup(options: AccountOptions | undefined): AccountContext["account"] | undefined {
  if (options === undefined) return undefined;
  if (!options || typeof options.client !== "function") {
    throw new OptionError(FACTORY, "account.client", "must be createAccountClient from @transmit-edge/core/account");
  }
  const url = options.resetUrl;
  if (url !== undefined && typeof url !== "function") {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {}
    if (!parsed || (parsed.protocol !== "https:" && parsed.hostname !== "127.0.0.1" && parsed.hostname !== "localhost"))
      throw new OptionError(FACTORY, "account.resetUrl", "must be an absolute https URL");
  }
  const cache = new WeakMap<LoginClient, AccountClient>();
  const make = options.client as (login: LoginClient) => AccountClient;
  const p = options.pages ?? {};
  return {
    client: (login) => {
      const got = cache.get(login) ?? make(login);
      cache.set(login, got);
      return got;
    },
    resetUrl: url === undefined ? undefined : typeof url === "function" ? url : () => url,
    pages: {
      signedUp: p.signedUp ?? "/login?signedUp",
      resetSent: p.resetSent ?? "/forgot-password?sent",
      reset: p.reset ?? "/reset-password",
      resetDone: p.resetDone ?? "/login?passwordReset",
    },
    defer: options.defer ?? background,
  };
}

/** `waitUntil` of the request where the runtime has one (Workers), else the task runs on its own. */
function background(c: Context, task: () => Promise<unknown>): void {
  const run = task().catch(() => {});
  try {
    c.executionCtx.waitUntil(run);
  } catch {
    // No execution context (Node, Deno, Bun): the promise runs to its end anyway.
  }
}

const callOptions = (l: LoginContext) => (l.timeoutMs === undefined ? undefined : { timeoutMs: l.timeoutMs });

/** The one answer of sign-up and forgot password, whatever happened upstream. */
function accepted(c: Context, a: AccountContext, page: string): Response {
  if (bodyKind(c) === "form") return a.replies.seeOther(c, page);
  return c.body('{"accepted":true}', 202, { "Content-Type": "application/json; charset=utf-8" });
}

/**
 * The account counter a request is counted under: `purpose` keeps it apart from logins. A forgot-password request from
 * a browser with the account's device cookie is counted for that device alone (`reset.<device id>`), so strangers who
 * use up the account's reset budget do not stop its owner from asking for a link (attack2 F5).
 */
async function bucketOf(
  c: Context,
  a: AccountContext,
  username: string,
  purpose: "signup" | "reset",
  region?: string,
): Promise<string> {
  if (purpose !== "reset" || !a.devices) return purpose;
  // The entry names the region (tenant) and the username exactly as typed: one of `alice` is no device of `Alice`
  // (attack2 F4b), nor of the `alice` of another region's tenant (attack3 F2).
  const device = await a.devices.trusted(c, await deviceKeyOf(a.hasher, region, username));
  return device === undefined ? purpose : `${purpose}.${device}`;
}

/** Counts the attempt per client network and per account (under `bucket`); a 429 or nothing. */
async function throttled(
  c: Context,
  a: AccountContext,
  type: "signup" | "password_reset",
  userKey: string,
  bucket: string,
  region?: string,
): Promise<Response | undefined> {
  const byIp = await a.throttle.ip(clientAddress(c, a.ip), c);
  if (!byIp.allowed) return refuse(c, a, type, userKey, "ip_throttled", byIp.retryAfter);
  return accountThrottled(c, a, type, userKey, bucket, region);
}

/** Counts the attempt per account only (under `bucket`); a 429 or nothing. */
async function accountThrottled(
  c: Context,
  a: AccountContext,
  type: "signup" | "password_reset",
  userKey: string,
  bucket: string,
  region?: string,
): Promise<Response | undefined> {
  const verdict = await a.throttle.account(userKey, bucket, c, region);
  return verdict.allowed ? undefined : refuse(c, a, type, userKey, "account_throttled", verdict.retryAfter);
}

/** The 429 of sign-up or forgot password, with its event. */
function refuse(
  c: Context,
  a: AccountContext,
  type: "signup" | "password_reset",
  userKey: string,
  reason: string,
  retryAfter: number | undefined,
): Promise<Response> {
  const step = type === "signup" ? "signup" : "forgot";
  return a.replies.fail(c, "too_many_requests", { type, reason, userKey, retryAfter: retryAfter ?? 1, step });
}

/** The reset email's link for `region`: the configured URL with the region, which the landing checks. */
function resetLink(c: Context, a: AccountContext, region: string): string {
  const url = new URL((a.account.resetUrl as (c: Context) => string)(c));
  url.searchParams.set("region", region);
  return url.href;
}

/**
 * Emails the reset link for `identifier` (after the answer); the outcome goes to the events only. `counted`: the
 * account counter the request was counted under (forgot password), which an upstream fault takes back. `recount`:
 * run first, after the answer; false means the attempt was refused there and nothing is sent.
 */
function sendReset(
  c: Context,
  a: AccountContext,
  rc: RegionalClient,
  identifier: string,
  userKey: string,
  counted: string | undefined,
  recount?: () => Promise<boolean>,
): void {
  const input = EMAIL.test(identifier) ? { email: identifier } : { username: identifier };
  a.account.defer(c, async () => {
    const info = { type: "password_reset" as const, userKey, region: rc.region };
    if (recount && !(await recount())) {
      await a.replies.events.emit(c, { ...info, outcome: "throttled", status: 202, reason: "account_throttled" });
      return;
    }
    try {
      await a.account
        .client(rc.client)
        .passwords.sendResetEmail({ ...input, redirectUri: resetLink(c, a, rc.region) }, callOptions(a));
      await a.replies.events.emit(c, { ...info, outcome: "success", status: 202, reason: "reset_sent" });
    } catch (e) {
      // Nobody to send to is no failure of the request: the visitor was answered the same either way.
      const code = TransmitError.is(e) ? e.code : "unexpected";
      if (counted !== undefined && code !== "user_not_found") await a.throttle.release(userKey, counted, c, rc.region);
      await a.replies.events.emit(c, {
        ...info,
        outcome: code === "user_not_found" ? "success" : "error",
        status: 202,
        reason: code,
      });
    }
  });
}

/** `POST /signup`: creates the user with a permanent password; a taken address's owner is emailed instead. */
export async function signup(c: Context, a: AccountContext): Promise<Response> {
  const input = validInput<{ email: string; password: string }>(c);
  // An address that is not its own NFKC form (fullwidth or other compatibility characters) would share its keyed
  // hash, and so its throttle counters and device-cookie entries, with the account of its normal form, which Transmit
  // keeps apart: its owner could guess on that account per device and get it suspended (attack2 F7). Refused from
  // the input alone, the same whether or not either address is taken.
  if (!EMAIL.test(input.email) || input.email.normalize("NFKC") !== input.email) {
    return a.replies.fail(c, "invalid_request", { type: "signup", field: "email", step: "signup" });
  }
  const userKey = await a.hasher.hash(input.email);
  // Like forgot password: resolved before counting and again after it (a limiter may learn the address's home while
  // it counts); when the region moved, the attempt moves with it. Otherwise the same address counted under the
  // guess of wherever each request came from: one budget per jurisdiction (twice the "taken" emails to its owner)
  // and an EU account's counter kept outside the EU (attack5 F2).
  let rc: RegionalClient;
  try {
    rc = await resolveClient(a.client, c);
  } catch (e) {
    return a.replies.failWith(c, e, { type: "signup", userKey, step: "signup" });
  }
  let counted = rc.region;
  const refused = await throttled(c, a, "signup", userKey, "signup", counted);
  if (refused) return refused;
  try {
    rc = await resolveClient(a.client, c);
  } catch (e) {
    await a.throttle.release(userKey, "signup", c, counted);
    return a.replies.failWith(c, e, { type: "signup", userKey, step: "signup" });
  }
  if (rc.region !== counted) {
    await a.throttle.release(userKey, "signup", c, counted);
    counted = rc.region;
    const moved = await accountThrottled(c, a, "signup", userKey, "signup", counted);
    if (moved) return moved;
  }
  const info = { type: "signup" as const, userKey, region: rc.region };
  try {
    // The address is the username too, so the login form's "username or email" finds the account either way.
    await a.account
      .client(rc.client)
      .users.create({ email: input.email, username: input.email, password: input.password }, callOptions(a));
  } catch (e) {
    const code = TransmitError.is(e) ? e.code : undefined;
    if (code === "identifier_taken") {
      // The same answer as a new account; the owner learns of the attempt by email, with a way back in (OWASP
      // Authentication Cheat Sheet, account creation). Sent after the answer: its time never shows in it.
      if (a.account.resetUrl) sendReset(c, a, rc, input.email, userKey, undefined);
      await a.replies.events.emit(c, { ...info, outcome: "success", status: 202, reason: "identifier_taken" });
      return accepted(c, a, a.account.pages.signedUp);
    }
    if (code === "password_rejected") return a.replies.fail(c, "password_rejected", { ...info, step: "signup" });
    await a.throttle.release(userKey, "signup", c, counted);
    const kind = problemForError(e);
    // Any other refusal of the input is answered like an invalid field, never as "wrong credentials".
    if (kind === "invalid_credentials" || kind === "invalid_request")
      return a.replies.fail(c, "invalid_request", { ...info, reason: code ?? "invalid_request", step: "signup" });
    return a.replies.failWith(c, e, { ...info, step: "signup" });
  }
  // Records the region as the account's home (edge-login's limiter keeps it for the next login).
  await a.throttle.succeeded(userKey, "signup", c, counted);
  await a.replies.events.emit(c, { ...info, outcome: "success", status: 202, reason: "created" });
  return accepted(c, a, a.account.pages.signedUp);
}

/** `POST /forgot-password`: the same answer whether or not the account exists; the email is sent after it. */
export async function forgotPassword(c: Context, a: AccountContext): Promise<Response> {
  const { username } = validInput<{ username: string }>(c);
  const userKey = await a.hasher.hash(username);
  // A device entry counts only for the region (tenant) the link is sent from (attack3 F2). A limiter may learn the
  // account's home region while it counts (edge-login sends the link there), so the region is resolved before
  // counting (a failure then has counted nothing) and again after it; when it moved, the attempt moves to the
  // bucket of the region that is used.
  let rc: RegionalClient;
  try {
    rc = await resolveClient(a.client, c);
  } catch (e) {
    return a.replies.failWith(c, e, { type: "password_reset", userKey, step: "forgot" });
  }
  let bucket = await bucketOf(c, a, username, "reset", rc.region);
  // Counted with the region it was resolved to (a limiter may keep an EU account's counters in the EU: attack4 F3).
  let counted = rc.region;
  const refused = await throttled(c, a, "password_reset", userKey, bucket, counted);
  if (refused) return refused;
  try {
    rc = await resolveClient(a.client, c);
  } catch (e) {
    await a.throttle.release(userKey, bucket, c, counted);
    return a.replies.failWith(c, e, { type: "password_reset", userKey, step: "forgot" });
  }
  const bound = await bucketOf(c, a, username, "reset", rc.region);
  let recount: (() => Promise<boolean>) | undefined;
  if (bound !== bucket || rc.region !== counted) {
    // Moved after the answer, before the email (attack5 F8): made before it, the move's two extra limiter calls (one
    // of them to the other jurisdiction, edge-login) showed in the answer's time that the username has a home
    // elsewhere. The first count decided the answer; the second decides whether the email goes out.
    const from = { bucket, region: counted };
    bucket = bound;
    counted = rc.region;
    const to = { bucket, region: counted };
    recount = async () => {
      await a.throttle.release(userKey, from.bucket, c, from.region);
      return (await a.throttle.account(userKey, to.bucket, c, to.region)).allowed;
    };
  }
  sendReset(c, a, rc, username, userKey, bucket, recount);
  return accepted(c, a, a.account.pages.resetSent);
}

/**
 * `GET /reset-password?region=..&code=..`: the reset email's link. The code (Transmit's reset token) goes into a
 * short-lived server-side record behind the `__Host-<name>-reset` cookie, and the browser is sent on to the reset
 * page with a clean URL: the code is never in a page, a later URL or an event. The region must be one
 * the client source accepts, and the code is only ever sent to that region.
 */
export async function landReset(c: Context, a: AccountContext): Promise<Response> {
  const code = c.req.query("code");
  const region = c.req.query("region");
  const page = a.account.pages.reset;
  // The link's URL never becomes a document (a redirect does not), so it is never anyone's `Referer`.
  const go = (location: string, cookies: string[] = []) => a.replies.seeOther(c, location, cookies);
  const invalid = `${page}${page.includes("?") ? "&" : "?"}invalid`;
  /** The landing's event, then on to the page (with the reset cookie) or to `?invalid`. */
  const done = async (outcome: "success" | "failure" | "throttled" | "error", reason: string, cookie?: string) => {
    await a.replies.events.emit(c, { type: "password_reset", outcome, status: 303, reason });
    return go(cookie ? page : invalid, cookie ? [cookie] : []);
  };
  if (!code || code.length > MAX_CODE || (region !== undefined && !REGION.test(region))) {
    return done("failure", "bad_link");
  }
  // Each landing creates a record: counted per client network like every other unauthenticated write.
  if (!(await a.throttle.ip(clientAddress(c, a.ip), c)).allowed) return done("throttled", "ip_throttled");
  let store: SessionStore;
  let rc: RegionalClient;
  try {
    store = a.access.store(c);
    // Validates the region against the configured ones (a resolver throws for any other).
    rc = await resolveClient(a.client, c, region);
    if (region !== undefined && rc.region !== region) throw new Error("region mismatch");
  } catch {
    return done("failure", "bad_region");
  }
  const old = a.cookies.read(c, "reset");
  if (old) await store.delete(old).catch(() => {});
  const t = seconds(a.now);
  let value: string;
  try {
    value = await store.create({
      kind: "pending",
      purpose: "reset",
      id: randomId(16),
      region: rc.region,
      resetToken: code,
      createdAt: t,
      lastSeenAt: t,
      expiresAt: t + RESET_PAGE_TIMEOUT,
      idleTimeout: RESET_PAGE_TIMEOUT,
    });
  } catch {
    return done("error", "store_failed");
  }
  return done("success", "link_opened", a.cookies.line("reset", value, RESET_PAGE_TIMEOUT));
}

/**
 * `POST /reset-password`: sets the new password with the landed link's code, in the link's region. Does not sign
 * in: the person signs in with the new password like any other time (OWASP Forgot Password Cheat Sheet). Then the
 * user's other sessions end (`credentialChanged`).
 */
export async function resetPassword(c: Context, a: AccountContext): Promise<Response> {
  const input = validInput<PasswordInput>(c);
  // Each post may call Transmit (a refused password keeps the link's token): counted per client network like every
  // other unauthenticated write, so one landed link cannot drive unbounded upstream calls (attack2 F6).
  const byIp = await a.throttle.ip(clientAddress(c, a.ip), c);
  if (!byIp.allowed) {
    return a.replies.fail(c, "too_many_requests", {
      type: "password_reset",
      reason: "ip_throttled",
      retryAfter: byIp.retryAfter ?? 1,
      step: "reset",
    });
  }
  let store: SessionStore;
  try {
    store = a.access.store(c);
  } catch (e) {
    return a.replies.failWith(c, e, { type: "password_reset", step: "reset" });
  }
  const value = a.cookies.read(c, "reset");
  const pending = value ? await store.get(value).catch(() => undefined) : undefined;
  if (
    !value ||
    !pending ||
    !usable(pending, "pending", seconds(a.now)) ||
    pending.purpose !== "reset" ||
    !pending.resetToken
  ) {
    return a.replies.fail(c, "unauthorized", { type: "password_reset", reason: "no_pending_reset", step: "reset" });
  }
  const info = { type: "password_reset" as const, ...(pending.region ? { region: pending.region } : {}) };
  const clear = [a.cookies.clear("reset")];
  let rc: RegionalClient;
  let email: string | undefined;
  try {
    rc = await resolveClient(a.client, c, pending.region);
    const done = await rc.client.passwords.reset(
      { resetToken: pending.resetToken, newPassword: input.newPassword },
      callOptions(a),
    );
    email = (done as { email?: string }).email;
  } catch (e) {
    // Transmit keeps the token after a refused password: the person tries another one. Used, expired or forged: the
    // link is spent.
    return resetRefused(c, a.replies, e, info, { store, value, cookies: clear, retry: "reset", spent: "reset" });
  }
  await store.delete(value).catch(() => {});
  await endOtherSessions(c, a, rc, email, input.newPassword);
  await a.replies.events.emit(c, { ...info, outcome: "success", status: 200, reason: "password_reset" });
  if (bodyKind(c) === "form") return a.replies.seeOther(c, a.account.pages.resetDone, clear);
  return a.replies.ok(c, { passwordReset: true, signedIn: false }, clear);
}

/**
 * Learns the user id and ends the user's sessions. Transmit's reset answer names the account's email but no user
 * id, so the new password is checked once (by email, in the same region) for the ID token's `sub`, and that
 * Transmit session is logged out at once: nobody is signed in. Skipped when nothing is connected to end sessions.
 */
async function endOtherSessions(
  c: Context,
  a: AccountContext,
  rc: RegionalClient,
  email: string | undefined,
  password: string,
): Promise<void> {
  const hook = a.credentialChanged;
  if (!hook) return;
  const info = { type: "password_reset" as const, region: rc.region };
  let userId: string | undefined;
  try {
    if (!email) throw new Error("no email in the reset answer");
    const tokens = await rc.client.passwords.authenticate(
      { username: email, usernameType: "email", password },
      callOptions(a),
    );
    if (tokens.sessionId) await rc.client.sessions.logout(tokens.sessionId, callOptions(a)).catch(() => {});
    const claims = tokens.idToken
      ? await rc.client.tokens.verifyIdToken(tokens.idToken, callOptions(a))
      : await rc.client.tokens.verifyAccessToken(tokens.accessToken, callOptions(a));
    if (typeof claims?.sub === "string" && claims.sub) userId = claims.sub;
  } catch {}
  if (!userId) {
    await a.replies.events.emit(c, { ...info, outcome: "error", status: 200, reason: "sessions_not_ended" });
    return;
  }
  try {
    await hook(c, userId);
  } catch {
    await a.replies.events.emit(c, { ...info, outcome: "error", status: 200, reason: "sessions_not_ended" });
  }
}
