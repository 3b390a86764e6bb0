/**
 * Client-credentials access token (docs/transmit-contract.md, "Client access token"): request building, response
 * processing, and a cache per (root, clientId, resource) refreshed ahead of expiry.
 *
 * Sharing: the token *value* lives in the {@link TokenCache} and may be shared by anything. A pending fetch is
 * shared between concurrent callers of one client only when `shareInFlight` is on, because on Workers a request
 * must never await a promise created by another request. A pending fetch is shared only until its starter's
 * deadline ({@link SingleFlight}).
 */
import { bounded, type Call } from "./deadline.ts";
import { errorFromResponse, invalidResponse, parseSuccessJson, tokenSetFromJson } from "./responses.ts";
import { SingleFlight } from "./single-flight.ts";
import { storeTtl } from "./token-cache.ts";
import { send, type TransportContext, type UpstreamRequest, type UpstreamResponse } from "./transport.ts";
import type { TokenCache, TransmitEvent } from "./types.ts";

/** Refresh this long before `exp` (at most half the lifetime) so a token never expires in flight. */
export const CLIENT_TOKEN_SKEW_MS = 60_000;

/**
 * What a client access token must look like before it is cached or sent: an RFC 6750 `b64token` (so it is safe in
 * an `Authorization` header) of at most 8,000 characters (so the header line fits the 8 KiB that common servers
 * accept). See docs/core-reliability.md, "Upstream values".
 */
export const CLIENT_TOKEN = /^(?=.{1,8000}$)[\w\-.~+/]+=*$/;

/** Settings of a {@link ClientTokenSource}. */
export interface ClientTokenSettings {
  root: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  cache: TokenCache;
  /** False for the client's own memory cache, which cannot hang: its calls need no race against the deadline. */
  raceCache: boolean;
  shareInFlight: boolean;
}

interface CachedToken {
  t: string;
  /** When to stop using it: expiry minus the skew, ms since epoch. */
  e: number;
}

/** Builds the form-encoded client-credentials request. */
export function clientCredentialsRequest(
  settings: Pick<ClientTokenSettings, "tokenUrl" | "clientId" | "clientSecret">,
  resource: string | undefined,
): UpstreamRequest {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
  });
  if (resource !== undefined) form.set("resource", resource);
  return {
    route: "token",
    url: settings.tokenUrl,
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: form.toString(),
    retry: "idempotent",
    secrets: [settings.clientSecret, form.toString()],
  };
}

/** Processes the token endpoint's response into `{ accessToken, expiresIn }` or throws a TransmitError. */
export function processClientCredentialsResponse(
  res: UpstreamResponse,
  nowMs: number,
): { accessToken: string; expiresIn: number } {
  if (res.status !== 200) throw errorFromResponse(res, nowMs);
  const { accessToken, expiresIn } = tokenSetFromJson(res, parseSuccessJson(res));
  // Never cached, never echoed: the token is not in the error, its message or its cause.
  if (!CLIENT_TOKEN.test(accessToken)) throw invalidResponse(res, "malformed access_token");
  return { accessToken, expiresIn };
}

/** Supplies cached client access tokens. One instance per client. */
export class ClientTokenSource {
  readonly #settings: ClientTokenSettings;
  readonly #ctx: TransportContext;
  readonly #inFlight = new SingleFlight<string>();
  #lastRaw: string | undefined;
  #lastEntry: CachedToken | undefined;

  constructor(settings: ClientTokenSettings, ctx: TransportContext) {
    this.#settings = settings;
    this.#ctx = ctx;
  }

  /** Cache key: not secret, but unique per (root, clientId, resource). */
  key(resource: string | undefined): string {
    const s = this.#settings;
    return `transmit-edge/client-token/v1 ${s.root} ${s.clientId} ${resource ?? ""}`;
  }

  /** Returns a valid token, from the cache when possible. */
  async get(resource: string | undefined, call: Call): Promise<string> {
    const key = this.key(resource);
    const cached = await this.#read(key, call);
    if (cached && cached.e > this.#ctx.now()) return cached.t;
    return this.#fetchShared(key, resource, call, cached ? "expired" : "missing");
  }

  /** Drops `rejected` (Transmit answered 401 Invalid token) and fetches a new token. */
  async replace(resource: string | undefined, rejected: string, call: Call): Promise<string> {
    const key = this.key(resource);
    const cached = await this.#read(key, call);
    // Another caller may already have stored a newer token.
    if (cached && cached.t !== rejected && cached.e > this.#ctx.now()) return cached.t;
    // The new token overwrites the entry anyway, so a failing or hanging delete is ignored.
    await bounded(() => this.#settings.cache.delete?.(key), call, "token").catch(() => {});
    return this.#fetchShared(key, resource, call, "rejected");
  }

  async #read(key: string, call: Call): Promise<CachedToken | undefined> {
    try {
      // A hung store costs this call's deadline at most, never more.
      const { cache, raceCache } = this.#settings;
      const raw = await (raceCache ? bounded(() => cache.get(key), call, "token") : cache.get(key));
      if (!raw) return undefined;
      // Every call reads the cache; the entry changes about once an hour, so keep the last one decoded.
      if (raw === this.#lastRaw) return this.#lastEntry;
      const parsed = JSON.parse(raw) as Partial<CachedToken>;
      // A shared store may hold anything: only a well-formed token is ever sent in a header.
      const entry =
        typeof parsed.t === "string" && CLIENT_TOKEN.test(parsed.t) && typeof parsed.e === "number"
          ? { t: parsed.t, e: parsed.e }
          : undefined;
      this.#lastRaw = raw;
      this.#lastEntry = entry;
      return entry;
    } catch {
      return undefined; // a broken cache must not break logins
    }
  }

  #fetchShared(
    key: string,
    resource: string | undefined,
    call: Call,
    reason: Extract<TransmitEvent, { type: "token.refresh" }>["reason"],
  ): Promise<string> {
    const start = () => this.#fetch(key, resource, call, reason);
    return this.#settings.shareInFlight ? this.#inFlight.run(key, call, "token", start) : start();
  }

  async #fetch(key: string, resource: string | undefined, call: Call, reason: "missing" | "expired" | "rejected") {
    call.emit({ type: "token.refresh", reason, hasResource: resource !== undefined });
    const res = await send(this.#ctx, clientCredentialsRequest(this.#settings, resource), call);
    const nowMs = this.#ctx.now();
    const { accessToken, expiresIn } = processClientCredentialsResponse(res, nowMs);
    const usableMs = expiresIn * 1000 - Math.min(CLIENT_TOKEN_SKEW_MS, expiresIn * 500);
    const value: CachedToken = { t: accessToken, e: nowMs + usableMs };
    const cache = this.#settings.cache;
    const ttl = storeTtl(cache, usableMs / 1000);
    // Caching is an optimisation: a failing or hanging store still leaves the token good for this call.
    if (ttl > 0) {
      const stored = JSON.stringify(value);
      await (this.#settings.raceCache
        ? bounded(() => cache.set(key, stored, ttl), call, "token")
        : cache.set(key, stored, ttl)
      ).catch(() => {});
    }
    return accessToken;
  }
}
