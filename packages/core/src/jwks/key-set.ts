/**
 * A remote JSON Web Key Set for one issuer, fetched with the client's own fetch and deadline
 * (docs/core-reliability.md, "JWKS"):
 * - fresh for `JWKS_MAX_AGE_MS`; after that the stale keys keep being served at once while one refresh runs in the
 *   background (no verification waits for it);
 * - an unknown `kid` reloads the set, at most once per `JWKS_COOLDOWN_MS` whatever the outcome, so forged `kid`s
 *   cannot turn into a fetch each;
 * - with no keys at all, a failed load is remembered for `JWKS_FAILURE_TTL_MS` and rethrown without a fetch
 *   (timeouts and aborts are not remembered: they say more about the caller than about Transmit);
 * - single-flight when the runtime allows sharing a pending promise, and only until the starter's deadline;
 * - optionally backed by a shared store (`jwksCache`) so other isolates start warm.
 *
 * Key selection follows RFC 7517 (`kty`, `kid`, `alg`, `use`, `key_ops`) and returns every matching key; jose then
 * imports and checks the one it is given (public key, `alg`, `use`, `key_ops`, RSA modulus of 2048 bits or more).
 * jose's own `createLocalJWKSet` is not used: it would add about 0.7 KB gzip to every bundle for the same rules.
 */
import { bounded, type Call, untilDeadline } from "../deadline.ts";
import { TransmitError, transmitError } from "../errors.ts";
import { errorFromResponse, parseSuccessJson } from "../responses.ts";
import { SingleFlight } from "../single-flight.ts";
import { storeTtl } from "../token-cache.ts";
import { send, type TransportContext } from "../transport.ts";
import type { TokenCache } from "../types.ts";

/** The members of a JWK that key selection and import read (RFC 7517 section 4; RSA: RFC 7518 section 6.3.1). */
export interface JWK {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  n?: string;
  e?: string;
}

/** The members of a JWS header that key selection reads (RFC 7515 section 4.1). */
export interface JWSHeaderParameters {
  alg?: string;
  kid?: string;
  [parameter: string]: unknown;
}

/** Minimum time between two reloads triggered by an unknown `kid` or by stale keys, counted from the last attempt. */
export const JWKS_COOLDOWN_MS = 30_000;
/** Age after which a cached key set is refreshed (in the background). */
export const JWKS_MAX_AGE_MS = 10 * 60_000;
/**
 * How long a failed load is remembered when there are no keys to fall back on: long enough to absorb a burst of
 * verifications during an outage (they would all fail anyway), short enough that a blip costs at most 2 s.
 */
export const JWKS_FAILURE_TTL_MS = 2_000;
/** How long a shared store keeps a key set, in seconds: long enough to serve stale keys to other isolates. */
const STORE_TTL_SEC = 86_400;

/**
 * The RSA signing keys of a JWKS document (Transmit signs with RSA: docs/transmit-contract.md, "JWKS"), as public
 * JWKs, or `undefined` when the document is not a usable JWKS: `keys` must be a non-empty array of JWK objects with
 * at least one RSA key.
 */
function parseKeySet(json: Record<string, unknown> | undefined): JWK[] | undefined {
  const keys = json?.keys;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "object" && k !== null && typeof k.kty === "string")) {
    return undefined;
  }
  const rsa = keys
    .filter((k) => k.kty === "RSA" && typeof k.n === "string" && typeof k.e === "string")
    // Only the public parts (never `d`), frozen once so jose imports each key a single time.
    .map(({ kty, kid, alg, use, key_ops, n, e }) => Object.freeze({ kty, kid, alg, use, key_ops, n, e }) as JWK);
  return rsa.length > 0 ? rsa : undefined;
}

/** The keys that may verify a token with this header (RFC 7517 section 4); all of them when the token has no kid. */
function matching(keys: JWK[], { alg, kid }: JWSHeaderParameters): JWK[] {
  return keys.filter(
    (k) =>
      (kid === undefined || k.kid === kid) &&
      (k.alg === undefined || k.alg === alg) &&
      (k.use === undefined || k.use === "sig") &&
      (k.key_ops === undefined || (Array.isArray(k.key_ops) && k.key_ops.includes("verify"))),
  );
}

/** Cached key set of one JWKS URL. */
export class RemoteKeySet {
  readonly #url: string;
  readonly #ctx: TransportContext;
  readonly #shareInFlight: boolean;
  readonly #store: TokenCache | undefined;
  /** Opens a call for a background refresh (its own deadline, no caller signal). */
  readonly #openCall: () => Call;
  #keys: JWK[] | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptAt = Number.NEGATIVE_INFINITY;
  #failure: { error: TransmitError; at: number } | undefined;
  readonly #pending = new SingleFlight<void>();

  constructor(
    url: string,
    ctx: TransportContext,
    shareInFlight: boolean,
    store: TokenCache | undefined,
    openCall: () => Call,
  ) {
    this.#url = url;
    this.#ctx = ctx;
    this.#shareInFlight = shareInFlight;
    this.#store = store;
    this.#openCall = openCall;
  }

  /**
   * The keys that may verify a token with this header (at least one), reloading the set once on an unknown `kid`.
   * Throws `token_invalid` when none matches.
   */
  async getKeys(header: JWSHeaderParameters, call: Call): Promise<JWK[]> {
    if (!this.#keys) await this.#loadCold(call);
    const now = this.#ctx.now();
    const refresh =
      now - this.#fetchedAt > JWKS_MAX_AGE_MS && now - this.#attemptAt >= JWKS_COOLDOWN_MS
        ? this.#refreshInBackground()
        : undefined;
    let found = matching(this.#keys as JWK[], header);
    // An unknown kid waits for the refresh it just started (a key rotation), or reloads when the cooldown allows.
    if (found.length === 0 && (refresh || this.#ctx.now() - this.#attemptAt >= JWKS_COOLDOWN_MS)) {
      await (refresh ? untilDeadline(refresh, call, "jwks") : this.#reload(call));
      found = matching(this.#keys as JWK[], header);
    }
    if (found.length === 0) throw transmitError("token_invalid", {}, "no matching key");
    return found;
  }

  /** No keys in memory: the shared store, then the remembered failure, then a fetch. */
  async #loadCold(call: Call): Promise<void> {
    const store = this.#store;
    if (store) {
      try {
        const raw = await bounded(() => store.get(this.#storeKey()), call, "jwks");
        const entry = raw ? (JSON.parse(raw) as { k?: Record<string, unknown>; t?: unknown }) : undefined;
        const keys = parseKeySet(entry?.k);
        if (keys && typeof entry?.t === "number") {
          this.#keys = keys;
          this.#fetchedAt = Math.min(entry.t, this.#ctx.now());
          return;
        }
      } catch {
        // A broken or slow store only costs a fetch.
      }
    }
    const failure = this.#failure;
    if (failure && this.#ctx.now() - failure.at < JWKS_FAILURE_TTL_MS) throw failure.error;
    await this.#reload(call);
  }

  /** Starts a refresh under its own deadline; the returned promise never rejects (stale keys stay in use). */
  #refreshInBackground(): Promise<void> {
    const call = this.#openCall();
    return this.#reload(call)
      .catch(() => {}) // the attempt still counts for the cooldown
      .finally(() => call.dispose());
  }

  #storeKey(): string {
    return `transmit-edge/jwks/v1 ${this.#url}`;
  }

  #reload(call: Call): Promise<void> {
    const start = () => this.#fetch(call);
    return this.#shareInFlight ? this.#pending.run("", call, "jwks", start) : start();
  }

  async #fetch(call: Call): Promise<void> {
    this.#attemptAt = this.#ctx.now();
    try {
      const res = await send(
        this.#ctx,
        {
          route: "jwks",
          url: this.#url,
          method: "GET",
          headers: { accept: "application/json" },
          retry: "idempotent",
          secrets: [],
        },
        call,
      );
      if (res.status !== 200) throw errorFromResponse(res, this.#ctx.now());
      const json = parseSuccessJson(res);
      const keys = parseKeySet(json);
      if (!keys) {
        throw transmitError("invalid_response", { status: res.status, route: "jwks" }, "unusable JWKS");
      }
      this.#keys = keys;
      this.#fetchedAt = this.#ctx.now();
      this.#failure = undefined;
      const store = this.#store;
      if (store) {
        const value = JSON.stringify({ k: json, t: this.#fetchedAt });
        await bounded(() => store.set(this.#storeKey(), value, storeTtl(store, STORE_TTL_SEC)), call, "jwks").catch(
          () => {},
        );
      }
    } catch (error) {
      const code = error instanceof TransmitError ? error.code : undefined;
      if (code !== "timeout" && code !== "aborted") {
        this.#failure = { error: error as TransmitError, at: this.#ctx.now() };
      }
      throw error;
    }
  }
}
