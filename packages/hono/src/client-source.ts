/**
 * Resolving the Transmit client for a request: a fixed client, or a function of the request and, for an existing
 * session, the region stored in it (session affinity: refresh, logout and session calls go to the issuing region).
 */
import type { Context } from "hono";
import type { ClientSource, LoginClient, RegionalClient } from "./types.ts";

function isRegional(x: LoginClient | RegionalClient): x is RegionalClient {
  return typeof (x as RegionalClient).region === "string" && typeof (x as RegionalClient).client === "object";
}

/** Validates the `client` option when the factory is called. */
export function checkClientSource(source: ClientSource | undefined, where: string): ClientSource {
  if (typeof source === "function") return source;
  if (source && typeof source === "object" && typeof (source as LoginClient).passwords === "object") return source;
  throw new TypeError(`${where}: option \`client\` must be a Transmit client or a function returning one`);
}

/**
 * Resolves the client. `region` is the session's region for calls on an existing session. The returned region is
 * the one to record (from `{ client, region }`, or the `region` property a core client exposes, or the input).
 * Errors (e.g. a core `configuration` error for missing credentials) propagate to the caller.
 */
export async function resolveClient(source: ClientSource, c: Context, region?: string): Promise<RegionalClient> {
  const got = typeof source === "function" ? await source(c, region) : source;
  if (!got || typeof got !== "object") throw configurationError("client");
  if (isRegional(got)) return got;
  const own = (got as { region?: unknown }).region;
  return { client: got, region: typeof own === "string" ? own : (region ?? "default") };
}

/** A configuration error shaped like core's, naming the setting (never its value). */
export function configurationError(setting: string): Error & { code: string } {
  const e = new Error(`Missing or invalid setting: ${setting}`) as Error & { code: string };
  e.name = "TransmitError";
  e.code = "configuration";
  return e;
}
