/**
 * The second factor: when a correct password needs one, the pending record that stands for it (never a session),
 * `POST /verify/send` (an email or SMS code) and `POST /verify` (that code, or a TOTP code), both checked by Transmit
 * in the password login's own Transmit session so that the new ID token's `amr` holds `mfa`; the same two routes
 * step an existing session up. How Transmit does it: docs/transmit-contract.md, "Second factor".
 */
import type { TokenSet } from "@transmit-edge/core";
import { createFactorClient, type TransmitFactorClient } from "@transmit-edge/core/account";
import type { Context } from "hono";
import { clientAddress, formatAddress } from "./client-ip.ts";
import { type LoginClient, type RegionalClient, resolveClient } from "./client-source.ts";
import { withCookies } from "./cookies.ts";
import { randomId } from "./crypto.ts";
import type { DeviceCookies } from "./device-cookie.ts";
import { bodyKind, type Schema, validInput } from "./input.ts";
import type { LoginContext, Start } from "./login-routes.ts";
import { integerIn, OptionError, stringList } from "./option-error.ts";
import { problemForError } from "./problem.ts";
import { safeReturnTo } from "./return-to.ts";
import { type SessionRecord, type SessionStore, seconds, usable } from "./session-record.ts";

/** A second factor Transmit checks: a code by email or SMS (`otp`), or an authenticator app's code (`totp`). */
export type SecondFactorMethod = "email" | "sms" | "totp";

/**
 * When a password login needs a second factor (`transmitAuth({ secondFactor })`), and how it is offered.
 *
 * @example
 * ```ts
 * transmitAuth({
 *   client, sessions, limiter, userKeySecret: env.USER_KEY_SECRET, getIp,
 *   secondFactor: { require: "always", trustedDeviceFor: 30 * 86_400 },
 * });
 * ```
 */
export interface SecondFactorOptions {
  /**
   * `"when-enrolled"` (default): for users `enrolled` says have a second factor; `"always"`: every user; `"never"`:
   * no one at sign-in (a session can still step up through `/verify` for routes guarded with `require: "mfa"`).
   */
  require?: "never" | "always" | "when-enrolled";
  /** Methods offered, in order. Default `["totp", "email", "sms"]`; email and SMS only when the ID token names the address. */
  methods?: readonly SecondFactorMethod[];
  /**
   * Whether the user has a second factor, from the verified ID token's claims (for `"when-enrolled"`). Transmit
   * documents no claim saying a user registered TOTP (docs/transmit-contract.md), so the default says no one has:
   * sign-in is unchanged until you tell (e.g. from your own records, or a `custom_app_data` claim you request).
   */
  enrolled?: (claims: Record<string, unknown>, c: Context) => boolean | Promise<boolean>;
  /**
   * Seconds after a second factor during which this browser (its device cookie) skips the next one for the same
   * account. Default 0: never skip. Needs device cookies (a limiter). Such sessions have no `mfa` in `amr`.
   */
  trustedDeviceFor?: number;
  /** Wrong codes per pending second factor before it ends (back to the password). Default 3. */
  maxAttempts?: number;
  /** Codes sent per pending second factor. Default 3. */
  maxSends?: number;
  /** Seconds between two codes sent. Default 30. */
  resendAfter?: number;
  /** Seconds a pending second factor lives. Default 300. */
  timeout?: number;
  /** The page asking for the code: form posts go there, and `mfa_required` problems name it. Default `"/verify"`. */
  verifyPage?: string;
}

const FACTORY = "transmitAuth";
const METHODS: readonly SecondFactorMethod[] = ["totp", "email", "sms"];

/** Body of `POST /verify/send`. */
const sendSchema: Schema = [
  ["method", 1, 8],
  ["returnTo", 0, 2048, true],
];
/** Body of `POST /verify`. */
const verifySchema: Schema = [
  ["code", 1, 64],
  ["method", 1, 8],
  ["returnTo", 0, 2048, true],
];

export { sendSchema as secondFactorSendSchema, verifySchema as secondFactorVerifySchema };

/** The checked settings of an instance. */
export class SecondFactor {
  readonly require: "never" | "always" | "when-enrolled";
  readonly methods: readonly SecondFactorMethod[];
  readonly enrolled: NonNullable<SecondFactorOptions["enrolled"]>;
  readonly trustedDeviceFor: number;
  readonly maxAttempts: number;
  readonly maxSends: number;
  readonly resendAfter: number;
  readonly timeout: number;
  readonly verifyPage: string;

  constructor(
    options: SecondFactorOptions | undefined,
    devices: DeviceCookies | undefined,
    page: (p: string) => string,
  ) {
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new OptionError(FACTORY, "secondFactor", "must be an options object");
    }
    const o = options ?? {};
    this.require = o.require ?? "when-enrolled";
    if (!["never", "always", "when-enrolled"].includes(this.require)) {
      throw new OptionError(FACTORY, "secondFactor.require", 'must be "never", "always" or "when-enrolled"');
    }
    const methods = stringList(FACTORY, "secondFactor.methods", o.methods ?? METHODS);
    if (methods.some((m) => !METHODS.includes(m as SecondFactorMethod))) {
      throw new OptionError(FACTORY, "secondFactor.methods", 'must list "totp", "email" or "sms"');
    }
    this.methods = methods as SecondFactorMethod[];
    if (o.enrolled !== undefined && typeof o.enrolled !== "function") {
      throw new OptionError(FACTORY, "secondFactor.enrolled", "must be a function");
    }
    this.enrolled = o.enrolled ?? (() => false);
    const whole = (name: keyof SecondFactorOptions, fallback: number, min: number, max: number) =>
      integerIn(FACTORY, `secondFactor.${name}`, o[name] as number | undefined, fallback, min, max);
    this.trustedDeviceFor = whole("trustedDeviceFor", 0, 0, 34_560_000);
    if (this.trustedDeviceFor > 0 && !devices) {
      throw new OptionError(FACTORY, "secondFactor.trustedDeviceFor", "needs device cookies (a limiter)");
    }
    this.maxAttempts = whole("maxAttempts", 3, 1, 10);
    this.maxSends = whole("maxSends", 3, 1, 10);
    this.resendAfter = whole("resendAfter", 30, 0, 3600);
    this.timeout = whole("timeout", 300, 30, 3600);
    this.verifyPage = page(o.verifyPage ?? "/verify");
  }

  /** The methods offered to a user: email and SMS only when the ID token names an address (all when none would be left). */
  offered(claims: Record<string, unknown>): SecondFactorMethod[] {
    const has = (name: string) => typeof claims[name] === "string" && claims[name] !== "";
    const out = this.methods.filter(
      (m) => m === "totp" || (m === "email" && has("email")) || (m === "sms" && has("phone_number")),
    );
    return out.length > 0 ? out : [...this.methods];
  }

  /** The problem members of `mfa_required`. */
  members(methods: readonly string[]): Record<string, string | readonly string[]> {
    return { methods, verify: this.verifyPage };
  }
}

/** What a password login that Transmit accepted hands over: its start, and the verified claims. */
export type Held = Start & { claims: Record<string, unknown> & { sub: string } };

const callOptions = (l: LoginContext) => (l.timeoutMs === undefined ? undefined : { timeoutMs: l.timeoutMs });

/**
 * After a correct password: `undefined` when no second factor is needed now (not required, or a trusted device
 * within its window), else the answer that holds the login in a pending record (no session yet).
 */
export async function holdForSecondFactor(c: Context, l: LoginContext, h: Held): Promise<Response | undefined> {
  const f = l.secondFactor;
  if (!f || f.require === "never") return undefined;
  if (f.require === "when-enrolled" && !(await f.enrolled(h.claims, c))) return undefined;
  if (f.trustedDeviceFor > 0 && l.devices && (await l.devices.mfaTrusted(c, h.claims.sub))) return undefined;
  const info = { type: "login" as const, userKey: h.userKey, region: h.rc.region };
  if (!h.tokens.sessionId) return l.replies.fail(c, "upstream_error", { ...info, reason: "no_session_id" });
  // The password was right: it is no failure for the account's counters.
  if (h.counted) await l.throttle.succeeded(h.userKey, h.device, c);
  const methods = f.offered(h.claims);
  const t = seconds(l.now);
  const record: SessionRecord = {
    kind: "mfa",
    id: randomId(16),
    userId: h.claims.sub,
    userKey: h.userKey,
    region: h.rc.region,
    transmitSessionId: h.tokens.sessionId,
    methods,
    createdAt: t,
    lastSeenAt: t,
    expiresAt: t + f.timeout,
    idleTimeout: f.timeout,
  };
  if (h.deviceKey !== undefined) record.deviceKey = h.deviceKey;
  if (h.returnTo !== undefined) record.returnTo = h.returnTo;
  // A forced password change waits for its second factor: the session it will start must end the others again.
  if (h.started) record.afterChange = true;
  let value: string;
  try {
    const old = l.cookies.read(c, "pending");
    if (old) await h.store.delete(old).catch(() => {});
    value = await h.store.create(record);
  } catch {
    await h.rc.client.sessions.logout(h.tokens.sessionId, callOptions(l)).catch(() => {});
    return l.replies.fail(c, "server_error", { ...info, reason: "session_store_failed" });
  }
  // The credential changed already (a forced change): the user's other sessions end now, not only if and when the
  // code is entered; this pending record stays (attack2 F1).
  await h.started?.(record);
  const cookies = [...h.cookies, l.cookies.line("pending", value, f.timeout)];
  await l.replies.events.emit(c, { ...info, outcome: "success", status: 200, reason: "second_factor_required" });
  if (bodyKind(c) === "form") return l.replies.seeOther(c, pageWith(f.verifyPage, h.returnTo), cookies);
  // The event above is the only one: the password step succeeded.
  return withCookies(l.replies.problem(c, "mfa_required", { members: f.members(methods) }), cookies);
}

/** The verify page's URL: `sent` names the channel a code just went to, `returnTo` where to go afterwards. */
function pageWith(page: string, returnTo: string | undefined, sent?: string): string {
  const q = new URLSearchParams();
  if (sent) q.set("sent", sent);
  if (returnTo && returnTo !== "/") q.set("returnTo", returnTo);
  const query = q.toString();
  return query ? `${page}?${query}` : page;
}

/** The account client of a login client: core's own, or (tests, other clients) one with `otp` and `totp` already. */
function accountOf(client: LoginClient): TransmitFactorClient {
  const own = client as unknown as Partial<TransmitFactorClient>;
  if (own.otp && own.totp) return own as TransmitFactorClient;
  return createFactorClient(client as unknown as Parameters<typeof createFactorClient>[0]);
}

interface Pending {
  store: SessionStore;
  value: string;
  record: SessionRecord;
  /** Whether the pending record was made for this request (a session stepping up). */
  fresh: boolean;
}

/**
 * The request's pending second factor: the pending cookie's record, or (step-up) a new one made from the request's
 * session. `undefined`: neither.
 */
async function pendingOf(c: Context, l: LoginContext, returnTo: string | undefined): Promise<Pending | undefined> {
  const store = l.access.store(c);
  const t = seconds(l.now);
  const value = l.cookies.read(c, "pending");
  const found = value ? await store.get(value).catch(() => undefined) : undefined;
  if (value && found && usable(found, "mfa", t)) return { store, value, record: found, fresh: false };
  const current = await l.access.current(c);
  const f = l.secondFactor as SecondFactor;
  if (!current.ok || !current.record.transmitSessionId || !current.record.userId) return undefined;
  const s = current.record;
  const record: SessionRecord = {
    kind: "mfa",
    id: randomId(16),
    userId: s.userId as string,
    transmitSessionId: s.transmitSessionId as string,
    methods: f.offered(s.claims ?? {}),
    createdAt: t,
    lastSeenAt: t,
    expiresAt: Math.min(t + f.timeout, s.expiresAt),
    idleTimeout: f.timeout,
  };
  if (s.userKey !== undefined) record.userKey = s.userKey;
  if (s.deviceKey !== undefined) record.deviceKey = s.deviceKey;
  if (s.region !== undefined) record.region = s.region;
  if (returnTo !== undefined) record.returnTo = returnTo;
  return { store, value: await store.create(record), record, fresh: true };
}

/** Saves the pending record; the cookie lines to send (the value may change with a sealed store). */
async function save(l: LoginContext, p: Pending, record: SessionRecord): Promise<string[]> {
  const next = await p.store.set(p.value, record);
  const changed = p.fresh || next !== p.value;
  p.value = next;
  p.record = record;
  return changed ? [l.cookies.line("pending", next, record.expiresAt - seconds(l.now))] : [];
}

type Step = (c: Context, l: LoginContext) => Promise<Response>;

/** What both routes start from once the request may go on. */
interface Begun {
  f: SecondFactor;
  input: { method: string; code?: string; returnTo?: string };
  returnTo: string | undefined;
  address: ReturnType<typeof clientAddress>;
  p: Pending;
  r: SessionRecord;
  userKey: string;
  /** The browser's device id for the account (its entry names the username exactly as typed), if it has one. */
  device: string | undefined;
  info: { type: "second_factor"; step: "verify"; returnTo?: string; userKey?: string; region?: string };
}

/**
 * The common start of `/verify/send` and `/verify`: the per-IP limit, the pending second factor (or a session
 * stepping up), and a method this pending record offers (`codes`: the ones a code can be sent for).
 */
async function begin(c: Context, l: LoginContext, codes?: readonly string[]): Promise<Response | Begun> {
  const f = l.secondFactor as SecondFactor;
  const input = validInput<Begun["input"]>(c);
  const returnTo = safeReturnTo(c, input.returnTo);
  const base = { type: "second_factor" as const, step: "verify" as const, ...(returnTo ? { returnTo } : {}) };
  const address = clientAddress(c, l.ip);
  const byIp = await l.throttle.ip(address, c);
  if (!byIp.allowed) {
    return l.replies.fail(c, "too_many_requests", {
      ...base,
      reason: "ip_throttled",
      retryAfter: byIp.retryAfter ?? 1,
    });
  }
  const p = await pendingOf(c, l, returnTo);
  if (!p) return l.replies.fail(c, "unauthorized", { ...base, reason: "no_pending_second_factor", step: "login" });
  const r = p.record;
  const userKey = r.userKey ?? "";
  const info = { ...base, ...(userKey ? { userKey } : {}), ...(r.region ? { region: r.region } : {}) };
  if (!r.methods?.includes(input.method) || (codes && !codes.includes(input.method))) {
    return l.replies.fail(c, "invalid_request", { ...info, field: "method" });
  }
  // A device entry counts only for the username exactly as typed at the password step (attack2 F4b).
  const device = r.deviceKey === undefined ? undefined : await l.devices?.trusted(c, r.deviceKey);
  return { f, input, returnTo, address, p, r, userKey, device, info };
}

/** `POST /verify/send`: sends an email or SMS code for the pending second factor (cooldown, at most `maxSends`). */
export const sendCode: Step = async (c, l) => {
  const b = await begin(c, l, ["email", "sms"]);
  if (b instanceof Response) return b;
  const { f, p, r, info } = b;
  const method = b.input.method as "email" | "sms";
  const t = seconds(l.now);
  const wait = (r.sentAt ?? Number.NEGATIVE_INFINITY) + f.resendAfter - t;
  if (wait > 0 || (r.sends ?? 0) >= f.maxSends) {
    return l.replies.fail(c, "too_many_requests", {
      ...info,
      reason: wait > 0 ? "resend_cooldown" : "sends_exhausted",
      retryAfter: wait > 0 ? wait : r.expiresAt - t,
    });
  }
  // Per account too: new pending records (a new password login, a step-up without the pending cookie) must not
  // send a victim's phone or mailbox a message per request. Counted like a code attempt, under its own key.
  const byAccount = await l.throttle.account(`mfa-send.${b.userKey}`, b.device, c, r.region);
  if (!byAccount.allowed) {
    return l.replies.fail(c, "too_many_requests", {
      ...info,
      reason: "sends_throttled",
      retryAfter: byAccount.retryAfter ?? 1,
    });
  }
  // Counted before the call: parallel sends cannot all pass the cooldown.
  const cookies = await save(l, p, { ...r, sends: (r.sends ?? 0) + 1, sentAt: t, lastSeenAt: t });
  try {
    const rc = await resolveClient(l.client, c, r.region);
    await accountOf(rc.client).otp.send(
      { channel: method, identifierType: "user_id", identifier: r.userId as string },
      callOptions(l),
    );
  } catch (e) {
    // Transmit has no address for that channel: the method cannot be used (the person is past the password).
    if (problemForError(e) === "invalid_credentials") {
      return l.replies.fail(c, "invalid_request", { ...info, field: "method", cookies });
    }
    return l.replies.failWith(c, e, { ...info, cookies });
  }
  await l.replies.events.emit(c, { ...info, outcome: "success", status: 200, reason: `code_sent_${method}` });
  if (bodyKind(c) === "form") {
    return l.replies.seeOther(c, pageWith(f.verifyPage, b.returnTo ?? r.returnTo, method), cookies);
  }
  return l.replies.ok(c, { sent: true, method, resendAfter: f.resendAfter }, cookies);
};

/** Ends a pending record: deleted, cookie cleared. */
async function end(l: LoginContext, p: Pending): Promise<string[]> {
  await p.store.delete(p.value).catch(() => {});
  return [l.cookies.clear("pending")];
}

/**
 * `POST /verify`: checks the code with Transmit in the pending login's Transmit session. Wrong codes count (the
 * pending record ends after `maxAttempts`, and the account's code counter of the limiter bounds parallel guesses);
 * a right one starts the session (`amr` with `mfa`) through `finish`.
 */
export function verifyCode(finish: (c: Context, l: LoginContext, s: Start) => Promise<Response>): Step {
  return async (c, l) => {
    const b = await begin(c, l);
    if (b instanceof Response) return b;
    const { f, p, r, userKey, device, info, address } = b;
    const { method, code = "" } = b.input;
    if (!/^[0-9]{4,10}$/.test(code)) return l.replies.fail(c, "invalid_request", { ...info, field: "code" });
    // Per account (apart from its password attempts), counted and decided before the call, like a password.
    const byAccount = await l.throttle.account(codeKey(userKey), device, c, r.region);
    if (!byAccount.allowed) {
      return l.replies.fail(c, "too_many_requests", {
        ...info,
        reason: "code_throttled",
        retryAfter: byAccount.retryAfter ?? 1,
      });
    }
    // The attempt is written before Transmit is asked, so that a failure cannot be undone by dropping the answer.
    let cookies = await save(l, p, { ...r, attempts: (r.attempts ?? 0) + 1, lastSeenAt: seconds(l.now) });
    let rc: RegionalClient;
    let tokens: TokenSet;
    try {
      rc = await resolveClient(l.client, c, r.region);
      const account = accountOf(rc.client);
      const ua = c.req.header("user-agent");
      const common = {
        identifierType: "user_id" as const,
        identifier: r.userId as string,
        sessionId: r.transmitSessionId as string,
        clientAttributes: {
          ...(address ? { ipAddress: formatAddress(address) } : {}),
          ...(ua ? { userAgent: ua.slice(0, 512) } : {}),
        },
        ...(l.requestClaims ? { claims: l.requestClaims } : {}),
      };
      tokens =
        method === "totp"
          ? await account.totp.authenticate({ token: code, ...common }, callOptions(l))
          : await account.otp.authenticate({ passcode: code, ...common }, callOptions(l));
    } catch (e) {
      const kind = problemForError(e);
      if (kind !== "invalid_credentials") {
        // No verdict: the limiter takes the attempt back (the pending record keeps it: fewer tries, never more).
        await l.throttle.release(codeKey(userKey), device, c, r.region);
        if (kind !== "unauthorized") return l.replies.failWith(c, e, { ...info, cookies });
        // Transmit's session of the login is gone: back to the password.
        cookies = await end(l, p);
        return l.replies.fail(c, "unauthorized", { ...info, reason: "transmit_session_gone", cookies, step: "login" });
      }
      if ((r.attempts ?? 0) + 1 < f.maxAttempts) {
        return l.replies.fail(c, "invalid_code", { ...info, reason: "invalid_code", cookies });
      }
      cookies = await end(l, p);
      return l.replies.fail(c, "invalid_code", { ...info, reason: "attempts_exhausted", cookies, step: "login" });
    }
    await l.throttle.release(codeKey(userKey), device, c, r.region);
    return finish(c, l, {
      store: p.store,
      rc,
      tokens,
      userKey,
      deviceKey: r.deviceKey,
      counted: false,
      returnTo: b.returnTo ?? r.returnTo,
      cookies: await end(l, p),
      secondFactorOf: r.userId as string,
      trustFor: f.trustedDeviceFor,
      ...(r.afterChange
        ? {
            started: async (record: SessionRecord) => {
              if (record.userId) await l.credentialChanged?.(c, record.userId, record.id);
            },
          }
        : {}),
    });
  };
}

/** The limiter's account key for second-factor codes: apart from the account's password attempts. */
const codeKey = (userKey: string) => `mfa.${userKey}`;

/** Registers the two routes on the login router. */
export function secondFactorRoutes(
  add: (path: string, step: Step, schema: Schema) => void,
  finish: Parameters<typeof verifyCode>[0],
): void {
  add("/verify/send", sendCode, sendSchema);
  add("/verify", verifyCode(finish), verifySchema);
}
