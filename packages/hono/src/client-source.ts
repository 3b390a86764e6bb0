/**
 * The Transmit client: the part of core's `TransmitClient` the package calls, and how an instance gets it for a
 * request. A fixed client, or a function of the request and, for an existing session, the region stored in it
 * (session affinity: refresh, logout and session calls go to the issuing region).
 */
import type { TransmitClient } from "@transmit-edge/core";
import type { Context } from "hono";
import { OptionError } from "./option-error.ts";

/**
 * The methods of core's `TransmitClient` that the routes and the guard call. A client made by
 * `createTransmitClient` is one; tests can pass a fake with just these methods.
 *
 * @example
 * ```ts
 * import { createTransmitClient } from "@transmit-edge/core";
 * const login: LoginClient = createTransmitClient({ region: "eu", clientId, clientSecret });
 * ```
 */
export interface LoginClient {
  readonly passwords: Pick<TransmitClient["passwords"], "authenticate" | "reset">;
  readonly sessions: Pick<TransmitClient["sessions"], "logout">;
  readonly tokens: Pick<TransmitClient["tokens"], "refresh" | "verifyIdToken" | "verifyAccessToken">;
  /** The client's region, recorded in new sessions when the client source does not name one. */
  readonly region?: string | undefined;
}

/** A client together with the region it talks to (stored in the session for later calls). */
export interface RegionalClient {
  client: LoginClient;
  region: string;
}

/**
 * Where an instance gets its Transmit client: one client, or a function of the request (and, for calls on an
 * existing session, the region stored in that session). Return `{ client, region }` to record the region.
 */
export type ClientSource =
  | LoginClient
  | ((c: Context, region?: string) => LoginClient | RegionalClient | Promise<LoginClient | RegionalClient>);

function isRegional(x: LoginClient | RegionalClient): x is RegionalClient {
  return typeof (x as RegionalClient).region === "string" && typeof (x as RegionalClient).client === "object";
}

/** Checks the `client` option when the instance is created. */
export function checkClientSource(factory: string, source: unknown): ClientSource | undefined {
  if (source === undefined || typeof source === "function") return source as ClientSource | undefined;
  if (source && typeof source === "object" && typeof (source as LoginClient).passwords === "object") {
    return source as LoginClient;
  }
  throw new OptionError(factory, "client", "must be a Transmit client or a function returning one");
}

/**
 * Resolves the client. `region` is the session's region for calls on an existing session. The returned region is
 * the one to record (from `{ client, region }`, or the client's own `region`, or the input). Errors (a resolver
 * that throws, e.g. core's `configuration` error for a missing secret) propagate to the caller.
 */
export async function resolveClient(source: ClientSource, c: Context, region?: string): Promise<RegionalClient> {
  const got = typeof source === "function" ? await source(c, region) : source;
  if (!got || typeof got !== "object") {
    throw new OptionError("transmitAuth", "client", "returned something that is not a Transmit client");
  }
  if (isRegional(got)) return got;
  return { client: got, region: typeof got.region === "string" ? got.region : (region ?? "default") };
}
