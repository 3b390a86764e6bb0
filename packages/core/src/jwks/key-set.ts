/**
 * A remote JSON Web Key Set for one issuer, fetched with the client's own fetch and deadline: cached for
 * `maxAgeMs`, refetched once on an unknown `kid` (at most once per `cooldownMs`), single-flight when the runtime
 * allows sharing a pending promise.
 */
import { createLocalJWKSet, type JSONWebKeySet, type JWSHeaderParameters, errors as joseErrors } from "jose";
import { type Deadline, untilDeadline } from "../deadline.ts";
import { TransmitError, transmitError } from "../errors.ts";
import { errorFromResponse, parseSuccessJson } from "../responses.ts";
import { send, type TransportContext } from "../transport.ts";

/** Minimum time between two fetches triggered by an unknown `kid`. */
export const JWKS_COOLDOWN_MS = 30_000;
/** Maximum age of a cached key set before it is fetched again. */
export const JWKS_MAX_AGE_MS = 10 * 60_000;

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;
type Key = Awaited<ReturnType<LocalKeySet>>;

/** Cached key set of one JWKS URL. */
export class RemoteKeySet {
  readonly #url: string;
  readonly #ctx: TransportContext;
  readonly #shareInFlight: boolean;
  #local: LocalKeySet | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<void> | undefined;

  constructor(url: string, ctx: TransportContext, shareInFlight: boolean) {
    this.#url = url;
    this.#ctx = ctx;
    this.#shareInFlight = shareInFlight;
  }

  /** Resolves the verification key for a JWS header, refetching once on an unknown `kid`. */
  async getKey(header: JWSHeaderParameters, token: Parameters<LocalKeySet>[1], deadline: Deadline): Promise<Key> {
    if (!this.#local) {
      await this.#reload(deadline);
    } else if (this.#ctx.now() - this.#fetchedAt > JWKS_MAX_AGE_MS) {
      // Stale keys are better than none when Transmit's JWKS is briefly unavailable.
      await this.#reload(deadline).catch(() => {
        this.#fetchedAt = this.#ctx.now() - JWKS_MAX_AGE_MS + JWKS_COOLDOWN_MS; // try again after the cooldown
      });
    }
    try {
      return await (this.#local as LocalKeySet)(header, token);
    } catch (error) {
      const unknownKey = error instanceof joseErrors.JWKSNoMatchingKey;
      if (!unknownKey || this.#ctx.now() - this.#fetchedAt < JWKS_COOLDOWN_MS) throw error;
      await this.#reload(deadline);
      return (this.#local as LocalKeySet)(header, token);
    }
  }

  #reload(deadline: Deadline): Promise<void> {
    if (!this.#shareInFlight) return this.#fetch(deadline);
    const pending = this.#pending;
    if (!pending) {
      const started: Promise<void> = this.#fetch(deadline).finally(() => {
        if (this.#pending === started) this.#pending = undefined;
      });
      this.#pending = started;
      return started;
    }
    // Wait within our own deadline; if the fetch died with its starter's deadline, fetch ourselves.
    return untilDeadline(pending, deadline, "jwks").catch((error: unknown) => {
      const starterGaveUp = error instanceof TransmitError && (error.code === "timeout" || error.code === "aborted");
      if (!starterGaveUp || deadline.signal.aborted) throw error;
      if (this.#pending === pending) this.#pending = undefined;
      return this.#reload(deadline);
    });
  }

  async #fetch(deadline: Deadline): Promise<void> {
    const res = await send(
      this.#ctx,
      { route: "jwks", url: this.#url, method: "GET", headers: { accept: "application/json" }, retry: "idempotent" },
      deadline,
    );
    if (res.status !== 200) throw errorFromResponse("jwks", res.status, res.headers, res.text, this.#ctx.now());
    const json = parseSuccessJson("jwks", res.status, res.headers, res.text);
    if (!Array.isArray(json.keys)) {
      throw transmitError("invalid_response", { status: res.status, route: "jwks" }, "JWKS without keys");
    }
    this.#local = createLocalJWKSet(json as unknown as JSONWebKeySet);
    this.#fetchedAt = this.#ctx.now();
  }
}
