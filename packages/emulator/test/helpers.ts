/** Test helpers: in-process calls against an emulator created from the sources. */
import { createEmulator, type Emulator, type EmulatorOptions, type RegionName } from "../src/index.js";

export const ORIGIN = "http://emulator.test";
export const PASSWORD = "Correct-Horse-7!";

/** A fresh emulator; regions default to eu + us to keep key generation quick. */
export function makeEmulator(options: EmulatorOptions = {}): Emulator {
  return createEmulator({ regions: ["eu", "us"], origin: ORIGIN, ...options });
}

/** Client-credentials token request. */
export function tokenRequest(region: RegionName, form: Record<string, string> = {}, path = "/oidc/token"): Request {
  return new Request(`${ORIGIN}/${region}${path}`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: `demo-client-${region}`,
      client_secret: `demo-secret-${region}`,
      ...form,
    }),
  });
}

/** A valid client access token of the region's demo client. */
export async function clientToken(emulator: Emulator, region: RegionName = "eu"): Promise<string> {
  const res = await emulator.fetch(tokenRequest(region));
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Calls a backend (`/cis`) route with a JSON body and the bearer token. */
export function api(
  emulator: Emulator,
  region: RegionName,
  path: string,
  body: unknown,
  token: string | undefined,
  method = "POST",
  init: RequestInit = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return emulator.fetch(
    new Request(`${ORIGIN}/${region}/cis${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      ...init,
    }),
  );
}

/** Password authenticate. */
export function login(
  emulator: Emulator,
  token: string,
  body: Record<string, unknown>,
  region: RegionName = "eu",
): Promise<Response> {
  return api(emulator, region, "/v1/auth/password/authenticate", body, token);
}

/** Decodes a JWT payload without verifying it. */
export function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Reads a JSON body as a loose record. */
export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}
