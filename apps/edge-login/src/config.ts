import { isRegionName, nearestRegion, type RegionHint, type RegionName } from "@transmit-edge/core";
import type { PasswordRules } from "./password-rules.ts";

/** The Transmit regions a Worker can route to (the sandbox is a test environment, not a location). */
export const ROUTABLE_REGIONS = ["us", "eu", "ca", "au"] as const satisfies readonly RegionName[];
export type RoutableRegion = (typeof ROUTABLE_REGIONS)[number];

/** Credentials and API root of one configured region. */
export interface RegionConfig {
  region: RoutableRegion;
  clientId: string;
  clientSecret: string;
  baseUrl?: string;
}

/** The Worker's configuration, read once per isolate from `env`. */
export interface WorkerConfig {
  regions: Partial<Record<RoutableRegion, RegionConfig>>;
  candidates: RoutableRegion[];
  countryOverrides: Record<string, RegionName>;
  allowRegionOverride: boolean;
  allowInsecureLoopback: boolean;
  /** Local development only: workerd has no jurisdictions, so EU objects stay in the default namespace. */
  allowNoJurisdiction: boolean;
  sessionSecret: string;
  /** The password rules the password change page states and checks (src/password-rules.ts). */
  passwordRules: PasswordRules;
  /** Deadline of each upstream call in ms (`UPSTREAM_TIMEOUT_MS`); undefined: the core client's default (10 s). */
  timeoutMs?: number;
  /**
   * The tenant's lockout policy (`TRANSMIT_MAX_PASSWORD_FAILURES`, `TRANSMIT_FAILURES_EXPIRE_IN`); unset values are
   * Transmit's defaults (5 failures, 15 minutes). The account throttle stays below it (docs/transmit-contract.md).
   */
  lockout: { maxPasswordFailures?: number; failuresExpireIn?: number };
  /** `SECOND_FACTOR` (never | always | when-enrolled, default when-enrolled) and `SECOND_FACTOR_TRUST_SECONDS`. */
  secondFactor: { require: "never" | "always" | "when-enrolled"; trustedDeviceFor: number };
}

/** A configuration problem, with the names (never the values) of what is missing or wrong. */
export class ConfigurationError extends Error {
  constructor(
    readonly keys: string[],
    hint = "",
  ) {
    super(`edge-login is not configured: missing or invalid ${keys.join(", ")}${hint}`);
    this.name = "ConfigurationError";
  }
}

type EnvLike = Record<string, unknown>;

function text(env: EnvLike, key: string): string | undefined {
  const v = env[key];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** An `ALLOW_...` opt-out: on only when set to exactly `true`. */
const flag = (env: EnvLike, name: string) => text(env, name) === "true";

/** Parses `"CH=eu, GB=eu"` into `{ CH: "eu", GB: "eu" }`; bad pairs are reported by key name. */
function parseOverrides(raw: string | undefined, bad: string[]): Record<string, RegionName> {
  const out: Record<string, RegionName> = {};
  for (const pair of (raw ?? "").split(",")) {
    if (!pair.trim()) continue;
    const [country, region] = pair.split("=").map((s) => s.trim());
    if (!country || !/^[A-Za-z]{2}$/.test(country) || !isRegionName(region?.toLowerCase())) {
      bad.push("REGION_OVERRIDES");
      continue;
    }
    out[country.toUpperCase()] = region!.toLowerCase() as RegionName;
  }
  return out;
}

/** A whole number from `min` to `max`, or unset; anything else is reported by key name. */
function parseWhole(env: EnvLike, key: string, min: number, max: number, bad: string[]): number | undefined {
  const raw = text(env, key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  bad.push(key);
  return undefined;
}

/**
 * Reads `TRANSMIT_<REGION>_CLIENT_ID` / `_CLIENT_SECRET` (+ optional `_BASE_URL`) for every routable region.
 * A region with neither id nor secret is simply not a candidate; one with only half of them is a mistake.
 * Throws {@link ConfigurationError} naming the missing keys when nothing usable is configured.
 */
export function readConfig(env: EnvLike): WorkerConfig {
  const missing: string[] = [];
  let hint = "";
  const regions: WorkerConfig["regions"] = {};
  for (const region of ROUTABLE_REGIONS) {
    const prefix = `TRANSMIT_${region.toUpperCase()}_`;
    const clientId = text(env, `${prefix}CLIENT_ID`);
    const clientSecret = text(env, `${prefix}CLIENT_SECRET`);
    if (!clientId && !clientSecret) continue;
    if (!clientId || !clientSecret) {
      missing.push(clientId ? `${prefix}CLIENT_SECRET` : `${prefix}CLIENT_ID`);
      hint = ". A region needs both its client id and its secret (wrangler secret put), or neither";
      continue;
    }
    const baseUrl = text(env, `${prefix}BASE_URL`);
    regions[region] = { region, clientId, clientSecret, ...(baseUrl ? { baseUrl } : {}) };
  }
  const candidates = ROUTABLE_REGIONS.filter((r) => regions[r]);
  if (candidates.length === 0 && missing.length === 0) {
    missing.push(...ROUTABLE_REGIONS.map((r) => `TRANSMIT_${r.toUpperCase()}_CLIENT_ID/_CLIENT_SECRET`));
    hint = ". Set the client id and secret of at least one region (wrangler secret put)";
  }
  const sessionSecret = text(env, "SESSION_SECRET");
  // 32 bytes of entropy at least: the session keys are derived from it.
  if (!sessionSecret || sessionSecret.length < 32) missing.push("SESSION_SECRET");
  const countryOverrides = parseOverrides(text(env, "REGION_OVERRIDES"), missing);
  // Whole milliseconds between 100 and 60000, or unset.
  const timeoutMs = parseWhole(env, "UPSTREAM_TIMEOUT_MS", 100, 60_000, missing);
  // With 1, any stranger's guess would suspend the account: no untrusted attempt could stay below it.
  const maxPasswordFailures = parseWhole(env, "TRANSMIT_MAX_PASSWORD_FAILURES", 2, 20, missing);
  const failuresExpireIn = parseWhole(env, "TRANSMIT_FAILURES_EXPIRE_IN", 1, 525_600, missing);
  // The password rules (password-rules.ts): Transmit's defaults unless set.
  const passwordRules: PasswordRules = {
    minLength: parseWhole(env, "PASSWORD_MIN_LENGTH", 0, 256, missing) ?? 14,
    kinds: parseWhole(env, "PASSWORD_CHARACTER_KINDS", 0, 4, missing) ?? 4,
  };
  const require = text(env, "SECOND_FACTOR") ?? "when-enrolled";
  if (!["never", "always", "when-enrolled"].includes(require)) missing.push("SECOND_FACTOR");
  const trustedDeviceFor = parseWhole(env, "SECOND_FACTOR_TRUST_SECONDS", 0, 34_560_000, missing) ?? 0;
  if (missing.length > 0) throw new ConfigurationError(missing, hint);
  return {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    regions,
    candidates,
    countryOverrides,
    allowRegionOverride: flag(env, "ALLOW_REGION_OVERRIDE"),
    allowInsecureLoopback: flag(env, "ALLOW_INSECURE_LOOPBACK"),
    allowNoJurisdiction: flag(env, "ALLOW_NO_JURISDICTION"),
    sessionSecret: sessionSecret!,
    passwordRules,
    secondFactor: { require: require as WorkerConfig["secondFactor"]["require"], trustedDeviceFor },
    lockout: {
      ...(maxPasswordFailures !== undefined ? { maxPasswordFailures } : {}),
      ...(failuresExpireIn !== undefined ? { failuresExpireIn } : {}),
    },
  };
}

/**
 * The region for a new login: `nearestRegion(request.cf, configured)`. Only `request.cf` and the configuration
 * decide; the `X-Debug-Country` header is read only when `ALLOW_REGION_OVERRIDE=true` (local development).
 */
export function chooseRegion(request: Request, config: WorkerConfig): RoutableRegion {
  const cf = (request as { cf?: RegionHint }).cf;
  let hint: RegionHint | undefined = cf;
  if (config.allowRegionOverride) {
    // Dev only (ALLOW_REGION_OVERRIDE): stand in for request.cf, so the real routing rules run on the hint.
    const country = request.headers.get("x-debug-country");
    const location = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(
      request.headers.get("x-debug-location") ?? "",
    );
    if (location) hint = { latitude: location[1], longitude: location[2] };
    else if (country && /^[A-Za-z]{2}$/.test(country)) hint = { country: country.toUpperCase() };
  }
  return nearestRegion(hint, config.candidates, { countryOverrides: config.countryOverrides }) as RoutableRegion;
}
