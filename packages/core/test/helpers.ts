// Shared test doubles: a recording fake fetch with per-route responder queues, a controllable clock, and an RSA
// key set generated at runtime with jose (no key material is committed).
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { it } from "vitest";
import {
  createTransmitClient,
  type TransmitClient,
  type TransmitClientOptions,
  type TransmitEvent,
  type TransmitLoginClient,
} from "../src/index.ts";
import { createLoginClient } from "../src/login.ts";

/** One request seen by the fake fetch. */
export interface RecordedCall {
  method: string;
  url: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  redirect: RequestRedirect | undefined;
  signal: AbortSignal | undefined;
}

/** Produces the answer to one call. */
export type Responder = (call: RecordedCall) => Response | Promise<Response>;

interface Route {
  match: (call: RecordedCall) => boolean;
  queue: Responder[];
}

/**
 * A fake `fetch` that records every call and answers from per-route queues. The last responder of a queue is
 * reused for further calls; an unmatched call answers 418 and is recorded in `unexpected`.
 */
export class FakeFetch {
  readonly calls: RecordedCall[] = [];
  readonly unexpected: RecordedCall[] = [];
  readonly #routes: Route[] = [];

  /** Answers calls whose path ends with `suffix` (or that `suffix` matches) with `responders`, in order. */
  on(suffix: string | ((call: RecordedCall) => boolean), ...responders: Responder[]): this {
    const match = typeof suffix === "string" ? (c: RecordedCall) => c.path.endsWith(suffix) : suffix;
    this.#routes.push({ match, queue: responders });
    return this;
  }

  /** Calls whose path ends with `suffix`. */
  to(suffix: string): RecordedCall[] {
    return this.calls.filter((c) => c.path.endsWith(suffix));
  }

  readonly fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const call: RecordedCall = {
      method: init.method ?? "GET",
      url: url.href,
      path: url.pathname,
      headers,
      body: typeof init.body === "string" ? init.body : undefined,
      redirect: init.redirect,
      signal: init.signal ?? undefined,
    };
    this.calls.push(call);
    const route = this.#routes.find((r) => r.match(call));
    if (!route) {
      this.unexpected.push(call);
      return new Response("unexpected", { status: 418 });
    }
    const responder = route.queue.length > 1 ? route.queue.shift() : route.queue[0];
    if (!responder) throw new Error("route without responders");
    return responder(call);
  };
}

/** JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Responder {
  return () =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** Raw text response. */
export function text(body: string, status: number, headers: Record<string, string> = {}): Responder {
  return () => new Response(body, { status, headers });
}

/** Empty response (e.g. 204). */
export function empty(status = 204): Responder {
  return () => new Response(null, { status });
}

/** Client-credentials success. */
export function clientToken(token = "client-token-1", expiresIn = 3600): Responder {
  return json({ access_token: token, token_type: "Bearer", expires_in: expiresIn, scope: "" });
}

/** Transmit's user token response. */
export function userTokens(overrides: Record<string, unknown> = {}): Responder {
  return json({
    access_token: "user-access-token",
    id_token: "user-id-token",
    refresh_token: "user-refresh-token",
    token_type: "Bearer",
    expires_in: 3600,
    session_id: "session-1",
    ...overrides,
  });
}

/** The connection fails after the request may have been sent. */
export function networkError(): Responder {
  return () => Promise.reject(new TypeError("fetch failed"));
}

/** Never answers; rejects when the request's signal aborts, like a real fetch. */
export function hang(): Responder {
  return (call) =>
    new Promise<Response>((_, reject) => {
      const signal = call.signal;
      if (!signal) return;
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
}

/** A manual clock. */
export class Clock {
  constructor(public ms = Date.UTC(2026, 0, 15, 12, 0, 0)) {}
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export const EU_ROOT = "https://api.eu.transmitsecurity.io";
export const CLIENT_ID = "client-id-test";
export const CLIENT_SECRET = "client-secret-SENTINEL-9f3a";

/** A client on the EU region wired to `fake`, a manual clock and an event recorder. */
export function makeClient(
  fake: FakeFetch,
  overrides?: Partial<TransmitClientOptions>,
): { client: TransmitClient; events: TransmitEvent[]; clock: Clock };
/** The same, from another entry point's factory (`createLoginClient` of `@transmit-edge/core/login`). */
export function makeClient<C>(
  fake: FakeFetch,
  overrides: Partial<TransmitClientOptions>,
  create: (options: TransmitClientOptions) => C,
): { client: C; events: TransmitEvent[]; clock: Clock };
export function makeClient(
  fake: FakeFetch,
  overrides: Partial<TransmitClientOptions> = {},
  create: (options: TransmitClientOptions) => unknown = createTransmitClient,
) {
  const events: TransmitEvent[] = [];
  const clock = new Clock();
  const client = create({
    region: "eu",
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    fetch: fake.fetch,
    testing: { now: clock.now },
    onEvent: (e) => events.push(e),
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    ...overrides,
  });
  return { client, events, clock };
}

/** {@link makeClient} for a login test: the same options, through one of the entry points. */
export type MakeLoginClient = (
  fake: FakeFetch,
  overrides?: Partial<TransmitClientOptions>,
) => { client: TransmitLoginClient; events: TransmitEvent[]; clock: Clock };

/** The entry points that offer `passwords.authenticate`, each with its {@link MakeLoginClient}. */
export const LOGIN_ENTRIES: readonly (readonly [name: string, make: MakeLoginClient])[] = [
  ["createTransmitClient", (fake, overrides) => makeClient(fake, overrides)],
  ["core/login createLoginClient", (fake, overrides = {}) => makeClient(fake, overrides, createLoginClient)],
];

/**
 * A login test run once per entry point (the full client and `@transmit-edge/core/login`), so both are held to the
 * same behaviour without copying tests: `fn` receives the entry's `makeClient`.
 */
export function itEachEntry(name: string, fn: (makeClient: MakeLoginClient) => () => unknown): void {
  for (const [entry, make] of LOGIN_ENTRIES) it(`${name} [${entry}]`, fn(make));
}

/** Runs `fn` and returns what it threw (fails when it does not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

/** An RSA signing key with its public JWK, generated per test run. */
export interface TestKey {
  kid: string;
  alg: "RS256" | "PS256";
  privateKey: CryptoKey;
  jwk: JWK;
}

/** Generates an RSA key pair and its public JWK. */
export async function createTestKey(kid: string, alg: "RS256" | "PS256" = "RS256"): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, jwk };
}

/** A JWKS document for `keys`. */
export function jwks(...keys: TestKey[]): Responder {
  return json({ keys: keys.map((k) => k.jwk) });
}

/** Signs claims as Transmit would (header `alg` + `kid`); `exp` defaults to an hour after `iat`. */
export async function signToken(
  key: TestKey,
  claims: Record<string, unknown>,
  options: { nowMs: number; expiresInSec?: number; kid?: string },
): Promise<string> {
  const iat = Math.floor(options.nowMs / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: "JWT" })
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expiresInSec ?? 3600))
    .sign(key.privateKey);
}

/** A responder that waits until `release()` is called (or the request aborts). */
export function gate(responder: Responder): { responder: Responder; release: () => void } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    release: () => open(),
    responder: (call) =>
      new Promise<Response>((resolve, reject) => {
        call.signal?.addEventListener("abort", () => reject(call.signal?.reason), { once: true });
        opened.then(() => resolve(responder(call)), reject);
      }),
  };
}
