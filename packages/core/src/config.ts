/** Validation of client options: everything is checked when the client is created, before any request. */
import { type BodyLimits, DEFAULT_BODY_LIMITS } from "./body.ts";
import { transmitError } from "./errors.ts";
import type { TokenAlgorithm } from "./jwks/verify.ts";
import { isRegionName, regionRoot, regions } from "./regions.ts";
import type { RegionName } from "./types.ts";

/** Validated, normalised configuration of what every client needs (login). */
export interface ResolvedConfig {
  region: RegionName | undefined;
  root: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  limits: BodyLimits;
  allowInsecureLoopback: boolean;
}

/** Validated configuration of token verification (`createTransmitClient` only). */
export interface ResolvedVerifyConfig {
  jwksUrl: string;
  issuer: string | undefined;
  algorithms: readonly TokenAlgorithm[];
  clockToleranceSec: number;
}

/** Inputs of {@link resolveConfig}: the client options that shape URLs and checks of every call. */
export interface LoginConfigInput {
  /** API host root overriding the region's (emulator: `http://127.0.0.1:4010/eu`; custom domain). */
  baseUrl?: string | undefined;
  /** Application client id. */
  clientId: string;
  /** Application client secret. Never logged or included in errors. */
  clientSecret: string;
  /** Token endpoint path under the root (default `/oidc/token`; `/cis/oidc/token` also exists). */
  tokenPath?: string | undefined;
  /** Overall deadline per call in ms, across retries (default 10000). */
  timeoutMs?: number | undefined;
  /** Allow `http:` base/JWKS URLs on loopback hosts (local emulator). Default false. */
  allowInsecureLoopback?: boolean | undefined;
  /** Largest upstream bodies read, per kind of response (see {@link BodyLimits}). */
  maxBodyBytes?: Partial<BodyLimits> | undefined;
}

/** Inputs of {@link resolveVerifyConfig}: the client options of token verification (documented on them). */
interface VerifyConfigInput {
  issuer?: string | undefined;
  jwksUrl?: string | undefined;
  algorithms?: readonly TokenAlgorithm[] | undefined;
  clockToleranceSec?: number | undefined;
}

const fail = (detail: string) => transmitError("configuration", {}, detail);

/** True for `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/** Parses an upstream URL: `https:` only, or `http:` on a loopback host when explicitly allowed (G03). */
export function checkUpstreamUrl(value: unknown, name: string, allowInsecureLoopback: boolean): URL {
  if (typeof value !== "string" || value.length === 0) throw fail(`${name} must be a non-empty URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw fail(`${name} is not a valid URL`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw fail(`${name} must not contain credentials, a query or a fragment`);
  }
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && allowInsecureLoopback && isLoopbackHost(url.hostname)) return url;
  throw fail(`${name} must use https (http is allowed only for loopback hosts with allowInsecureLoopback)`);
}

/** Validates the options every client uses and derives URLs. Throws `configuration` errors; never performs I/O. */
export function resolveConfig(input: LoginConfigInput & { region?: RegionName | undefined }): ResolvedConfig {
  const { region } = input;
  if (region !== undefined && !isRegionName(region)) throw fail("unknown region");
  if (typeof input.clientId !== "string" || !input.clientId) throw fail("clientId is required");
  if (typeof input.clientSecret !== "string" || !input.clientSecret) throw fail("clientSecret is required");
  const allowInsecureLoopback = input.allowInsecureLoopback === true;

  let root: string;
  if (input.baseUrl !== undefined) {
    const url = checkUpstreamUrl(input.baseUrl, "baseUrl", allowInsecureLoopback);
    root = `${url.origin}${url.pathname}`.replace(/\/+$/, "");
  } else if (region !== undefined) {
    root = regionRoot(region);
  } else {
    throw fail("region or baseUrl is required");
  }

  const tokenPath = input.tokenPath ?? "/oidc/token";
  if (typeof tokenPath !== "string" || !tokenPath.startsWith("/") || tokenPath.startsWith("//")) {
    throw fail("tokenPath must be an absolute path such as /oidc/token");
  }
  const timeoutMs = input.timeoutMs ?? 10_000;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw fail("timeoutMs must be a positive number");
  }
  const limits = { ...DEFAULT_BODY_LIMITS, ...input.maxBodyBytes };
  for (const value of Object.values(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw fail("maxBodyBytes values must be positive integers");
  }
  return {
    limits,
    region,
    root,
    tokenUrl: `${root}${tokenPath}`,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    timeoutMs,
    allowInsecureLoopback,
  };
}

/** Validates the options of token verification against a resolved `config`. Throws `configuration` errors. */
export function resolveVerifyConfig(input: VerifyConfigInput, config: ResolvedConfig): ResolvedVerifyConfig {
  const { region } = config;
  const jwksUrl =
    input.jwksUrl !== undefined
      ? checkUpstreamUrl(input.jwksUrl, "jwksUrl", config.allowInsecureLoopback).href
      : `${config.root}/cis/oidc/jwks`;
  if (input.issuer !== undefined && (typeof input.issuer !== "string" || input.issuer.length === 0)) {
    throw fail("issuer must be a non-empty string");
  }
  const algorithms = input.algorithms ?? ["RS256"];
  if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => a !== "RS256" && a !== "PS256")) {
    throw fail("algorithms may contain only RS256 and PS256");
  }
  const clockToleranceSec = input.clockToleranceSec ?? 30;
  if (typeof clockToleranceSec !== "number" || !(clockToleranceSec >= 0 && clockToleranceSec <= 300)) {
    throw fail("clockToleranceSec must be between 0 and 300");
  }
  return {
    jwksUrl,
    issuer: input.issuer ?? (region !== undefined ? regions[region].issuer : undefined),
    algorithms,
    clockToleranceSec,
  };
}
