/** Shared helpers: a core client wired to an in-process emulator, and error capture. */
import {
  createTransmitClient,
  type RegionName,
  type TransmitClient,
  type TransmitClientOptions,
  TransmitError,
} from "@transmit-edge/core";
import type { Emulator, RouteName as EmulatorRoute } from "@transmit-edge/emulator";

export { DEMO_EXPIRED_PASSWORD, DEMO_PASSWORD, DEMO_TEMPORARY_PASSWORD } from "@transmit-edge/emulator";

/** The production regions, each with its own key, issuer and tenant in the emulator. */
export const REGIONS = ["us", "eu", "ca", "au"] as const satisfies readonly RegionName[];

/** A new password that satisfies the emulator's default policy (14+ characters, four character classes). */
export const NEW_PASSWORD = "Fresh-Battery-Staple-42!";

/** A core client for one emulated region, with `fetch` going straight to the in-process emulator. */
export function clientFor(
  emulator: Emulator,
  region: RegionName = "eu",
  overrides: Partial<TransmitClientOptions> = {},
): TransmitClient {
  return createTransmitClient({
    region,
    baseUrl: `http://127.0.0.1:4010/${region}`,
    allowInsecureLoopback: true,
    clientId: `demo-client-${region}`,
    clientSecret: `demo-secret-${region}`,
    fetch: (input, init) => emulator.fetch(new Request(input, init)),
    ...overrides,
  });
}

/** Awaits a call that must fail and returns its TransmitError (anything else fails the test). */
export async function failure(call: Promise<unknown>): Promise<TransmitError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TransmitError) return error;
    throw error;
  }
  throw new Error("expected the call to fail with a TransmitError, but it succeeded");
}

/** Runs `call` and returns its outcome with the elapsed wall time in ms. */
export async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await call();
  return { value, ms: performance.now() - started };
}

/** Number of calls the emulator recorded for a route (in any region unless one is given). */
export function calls(emulator: Emulator, route: EmulatorRoute, region?: RegionName): number {
  return emulator.requests(region === undefined ? { route } : { route, region }).length;
}
