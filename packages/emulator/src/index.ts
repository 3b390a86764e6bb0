/**
 * `@transmit-edge/emulator`: a local emulator of Transmit Security (Mosaic)'s backend authentication endpoints.
 *
 * Runtime-agnostic (Hono, WebCrypto, jose): use it in-process on Node, Deno and Bun, as a service binding in workerd,
 * or over a socket with `startEmulatorServer` from `@transmit-edge/emulator/node`.
 *
 * @example
 * ```ts
 * import { createEmulator } from "@transmit-edge/emulator";
 * const emulator = createEmulator({ regions: ["eu"] });
 * const res = await emulator.fetch(new Request("http://emulator.test/eu/oidc/token", {
 *   method: "POST",
 *   body: new URLSearchParams({ grant_type: "client_credentials", client_id: "demo-client-eu", client_secret: "demo-secret-eu" }),
 * }));
 * ```
 */
import type { Hono } from "hono";
import { createApp } from "./app.js";
import { Engine } from "./engine.js";
import type { FaultSpec, RouteName } from "./faults.js";
import { type RegionInfo, regionInfo } from "./info.js";
import type { ClientSeed, EmulatorOptions, OutboxMessage, RegionName, UserSeed } from "./options.js";
import type { RecordedCall } from "./recorder.js";
import { isTotpSecret } from "./seed.js";

export {
  DEMO_EXPIRED_PASSWORD,
  DEMO_PASSWORD,
  DEMO_TEMPORARY_PASSWORD,
  DEMO_TOTP_SECRET,
  demoClient,
  demoUsers,
} from "./demo.js";
export { FAILURE_DEFAULTS } from "./failures.js";
export { EmulatedNetworkError, type FaultSpec, isEmulatedDrop, ROUTE_NAMES, type RouteName } from "./faults.js";
export type { RegionInfo, UserInfo } from "./info.js";
export {
  ALL_REGIONS,
  type ClientSeed,
  type CodeSettings,
  DEFAULT_CODE_SETTINGS,
  DEFAULT_ISSUERS,
  DEFAULT_POLICY,
  type EmulatorOptions,
  type FailureDetails,
  type FailureKind,
  type FailureOverride,
  type OutboxMessage,
  type PasswordPolicy,
  type RegionName,
  type ResetLinkCode,
  type SeedData,
  type SessionsApiScope,
  type UserSeed,
} from "./options.js";
export type { RecordedCall } from "./recorder.js";
export { checkSeed } from "./seed.js";
export { totpAt } from "./totp.js";

/** A running emulator (in-process). */
export interface Emulator {
  /** Handles one request; regions live under `/{region}`, the control API under `/__emulator`. */
  fetch(request: Request): Promise<Response>;
  /** The Hono app (mount it in another Hono app, or serve it). */
  readonly app: Hono;
  /** Served regions, in order. */
  readonly regionNames: RegionName[];
  /** Root URL, issuer, demo client and users per region, for a given origin (default `options.origin`). */
  info(origin?: string): RegionInfo[];
  /** Like {@link Emulator.info} for one region. */
  region(name: RegionName, origin?: string): RegionInfo;
  /** Resolves once keys are generated and seed data is stored (requests wait for it by themselves). */
  ready(): Promise<void>;
  /** Back to the seeded state: users, sessions, lockouts, faults, request log, clock offset. Keys are kept. */
  reset(): Promise<void>;
  /** Moves the emulator clock (token expiry, lockout, sessions, password expiry). */
  advanceClock(seconds: number): void;
  /** Current emulator time (epoch ms). */
  now(): number;
  /** Injects a fault for the next `times` calls of a route. */
  injectFault(fault: FaultSpec): void;
  /** Recorded calls to emulated routes, secrets redacted. */
  requests(filter?: { region?: RegionName; route?: RouteName }): RecordedCall[];
  /** Adds a client to a region. */
  addClient(region: RegionName, client: ClientSeed): void;
  /** Adds a user to a region; returns its `user_id`. */
  addUser(region: RegionName, user: UserSeed): Promise<string>;
  /**
   * Registers a TOTP authenticator for a user (replacing any), with the given base32 secret or a fresh one; returns
   * the secret. Compute tokens with {@link totpAt} and {@link Emulator.now}.
   */
  registerTotp(region: RegionName, userId: string, secret?: string): Promise<string>;
  /** Emails and SMS sent (oldest first), with their links and codes; optionally of one region or recipient. */
  outbox(filter?: { region?: RegionName; to?: string }): OutboxMessage[];
  /** Empties the outbox of one region, or of all. */
  clearOutbox(region?: RegionName): void;
  /** Releases hanging calls (they reject); call it when done. */
  close(): void;
}

const DEFAULT_ORIGIN = "http://127.0.0.1:4010";

/**
 * Creates an emulator. Keys are generated on first use; seeded demo data is deterministic
 * (`demo-client-<region>` / `demo-secret-<region>`, users `alice`, `tara`, `eddie`, `tom`, `sam`).
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const engine = new Engine(options);
  const app = createApp(engine);
  const origin = options.origin ?? DEFAULT_ORIGIN;
  const regionOf = (name: RegionName) => {
    const region = engine.regions.get(name);
    if (!region) throw new Error(`Region "${name}" is not served by this emulator`);
    return region;
  };
  return {
    fetch: async (request) => app.fetch(request),
    app,
    regionNames: [...engine.regions.keys()],
    info: (o = origin) => [...engine.regions.values()].map((r) => regionInfo(engine, r, o)),
    region: (name, o = origin) => regionInfo(engine, regionOf(name), o),
    ready: () => engine.ready(),
    reset: () => engine.reset(),
    advanceClock: (seconds) => engine.advanceClock(seconds),
    now: () => engine.now(),
    injectFault: (fault) => engine.faults.add(fault),
    requests: (filter) => engine.recorder.list(filter),
    addClient: (region, client) => {
      engine.addClient(regionOf(region), client);
    },
    addUser: async (region, user) => {
      await engine.ready();
      const created = await engine.addUser(regionOf(region), user);
      if ("conflict" in created) throw new Error(`A user with this ${created.conflict} already exists`);
      return created.userId;
    },
    registerTotp: async (region, userId, secret) => {
      await engine.ready();
      const user = regionOf(region).state.users.get(userId);
      if (!user) throw new Error(`No user "${userId}" in region "${region}"`);
      if (secret !== undefined && !isTotpSecret(secret)) throw new TypeError("secret must be base32, 10 bytes or more");
      return engine.registerTotp(user, secret);
    },
    outbox: (filter = {}) =>
      [...engine.regions.values()]
        .filter((r) => !filter.region || r.name === filter.region)
        .flatMap((r) => r.state.messages(filter.to !== undefined ? { to: filter.to } : {}))
        .sort((a, b) => a.time.localeCompare(b.time))
        .map((m) => ({ ...m })),
    clearOutbox: (region) => {
      for (const r of engine.regions.values()) if (!region || r.name === region) r.state.outbox.length = 0;
    },
    close: () => engine.closing.abort(new Error("Emulator closed")),
  };
}
