/**
 * Client-credentials access token (transmit-api.md section 2): request building, response processing, and a
 * cache per (root, clientId, resource) refreshed ahead of expiry.
 *
 * Sharing: the token *value* lives in the {@link TokenCache} and may be shared by anything. A pending fetch is
 * shared between concurrent callers of one client only when `shareInFlight` is on, because on Workers a request
 * must never await a promise created by another request.
 */
import { type Deadline, untilDeadline } from "./deadline.ts";
import { TransmitError } from "./errors.ts";
import { errorFromResponse, parseSuccessJson, tokenSetFromJson } from "./responses.ts";
import { send, type TransportContext, type UpstreamRequest, type UpstreamResponse } from "./transport.ts";
import type { TokenCache, TransmitEvent } from "./types.ts";

/** Refresh this long before `exp` (at most half the lifetime) so a token never expires in flight. */
export const CLIENT_TOKEN_SKEW_MS = 60_000;

/** Settings of a {@link ClientTokenSource}. */
export interface ClientTokenSettings {
  root: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  cache: TokenCache;
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
  };
}

/** Processes the token endpoint's response into `{ accessToken, expiresIn }` or throws a TransmitError. */
export function processClientCredentialsResponse(
  res: UpstreamResponse,
  nowMs: number,
): { accessToken: string; expiresIn: number } {
  if (res.status !== 200) throw errorFromResponse("token", res.status, res.headers, res.text, nowMs);
  const { accessToken, expiresIn } = tokenSetFromJson(
    "token",
    res.status,
    res.headers,
    parseSuccessJson("token", res.status, res.headers, res.text),
  );
  return { accessToken, expiresIn };
}

/** Supplies cached client access tokens. One instance per client. */
export class ClientTokenSource {
  readonly #settings: ClientTokenSettings;
  readonly #ctx: TransportContext;
  readonly #inFlight = new Map<string, Promise<string>>();
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
  async get(resource: string | undefined, deadline: Deadline): Promise<string> {
    const key = this.key(resource);
    const cached = await this.#read(key);
    if (cached && cached.e > this.#ctx.now()) return cached.t;
    return this.#fetchShared(key, resource, deadline, cached ? "expired" : "missing");
  }

  /** Drops `rejected` (Transmit answered 401 Invalid token) and fetches a new token. */
  async replace(resource: string | undefined, rejected: string, deadline: Deadline): Promise<string> {
    const key = this.key(resource);
    const cached = await this.#read(key);
    // Another caller may already have stored a newer token.
    if (cached && cached.t !== rejected && cached.e > this.#ctx.now()) return cached.t;
    try {
      await this.#settings.cache.delete?.(key);
    } catch {
      // The new token overwrites the entry anyway.
    }
    return this.#fetchShared(key, resource, deadline, "rejected");
  }

  async #read(key: string): Promise<CachedToken | undefined> {
    try {
      const raw = await this.#settings.cache.get(key);
      if (!raw) return undefined;
      // Every call reads the cache; the entry changes about once an hour, so keep the last one decoded.
      if (raw === this.#lastRaw) return this.#lastEntry;
      const parsed = JSON.parse(raw) as Partial<CachedToken>;
      const entry =
        typeof parsed.t === "string" && typeof parsed.e === "number" ? { t: parsed.t, e: parsed.e } : undefined;
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
    deadline: Deadline,
    reason: Extract<TransmitEvent, { type: "token.refresh" }>["reason"],
  ): Promise<string> {
    if (!this.#settings.shareInFlight) return this.#fetch(key, resource, deadline, reason);
    const pending = this.#inFlight.get(key);
    if (pending) {
      // Join the pending fetch within our own deadline; if it died with its starter's deadline, fetch ourselves.
      return untilDeadline(pending, deadline, "token").catch((error: unknown) => {
        const starterGaveUp = error instanceof TransmitError && (error.code === "timeout" || error.code === "aborted");
        if (!starterGaveUp || deadline.signal.aborted) throw error;
        if (this.#inFlight.get(key) === pending) this.#inFlight.delete(key);
        return this.#fetchShared(key, resource, deadline, reason);
      });
    }
    const promise = this.#fetch(key, resource, deadline, reason).finally(() => {
      if (this.#inFlight.get(key) === promise) this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, promise);
    return promise;
  }

  async #fetch(
    key: string,
    resource: string | undefined,
    deadline: Deadline,
    reason: "missing" | "expired" | "rejected",
  ) {
    this.#ctx.emit({ type: "token.refresh", reason, hasResource: resource !== undefined });
    const res = await send(this.#ctx, clientCredentialsRequest(this.#settings, resource), deadline);
    const nowMs = this.#ctx.now();
    const { accessToken, expiresIn } = processClientCredentialsResponse(res, nowMs);
    const usableMs = expiresIn * 1000 - Math.min(CLIENT_TOKEN_SKEW_MS, expiresIn * 500);
    const value: CachedToken = { t: accessToken, e: nowMs + usableMs };
    const ttl = Math.floor(usableMs / 1000);
    if (ttl > 0) {
      try {
        await this.#settings.cache.set(key, JSON.stringify(value), ttl);
      } catch {
        // Caching is an optimisation; the token is still good for this call.
      }
    }
    return accessToken;
  }
}
