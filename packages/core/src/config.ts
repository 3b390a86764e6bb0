/** Validation of client options: everything is checked when the client is created, before any request. */
import { type BodyLimits, DEFAULT_BODY_LIMITS } from "./body.ts";
import { transmitError } from "./errors.ts";
import type { TokenAlgorithm } from "./jwks/verify.ts";
import { isRegionName, regions } from "./regions.ts";
import type { RegionName } from "./types.ts";

/** Validated, normalised configuration. */
export interface ResolvedConfig {
  region: RegionName | undefined;
  root: string;
  tokenUrl: string;
  jwksUrl: string;
  issuer: string | undefined;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  algorithms: readonly TokenAlgorithm[];
  clockToleranceSec: number;
  limits: BodyLimits;
}

/** Inputs of {@link resolveConfig}: the subset of client options that shapes URLs and checks. */
export interface ConfigInput {
  region?: RegionName | undefined;
  baseUrl?: string | undefined;
  clientId: string;
  clientSecret: string;
  issuer?: string | undefined;
  jwksUrl?: string | undefined;
  tokenPath?: string | undefined;
  timeoutMs?: number | undefined;
  allowInsecureLoopback?: boolean | undefined;
  algorithms?: readonly TokenAlgorithm[] | undefined;
  clockToleranceSec?: number | undefined;
  /** Largest upstream bodies read, per kind of response (see {@link BodyLimits}). */
  maxBodyBytes?: Partial<BodyLimits> | undefined;
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

/** Validates options and derives URLs. Throws `configuration` errors; never performs I/O. */
export function resolveConfig(input: ConfigInput): ResolvedConfig {
  const { region } = input;
  if (region !== undefined && !isRegionName(region)) throw fail("unknown region");
  if (typeof input.clientId !== "string" || input.clientId.length === 0) throw fail("clientId is required");
  if (typeof input.clientSecret !== "string" || input.clientSecret.length === 0) throw fail("clientSecret is required");
  const allowLoopback = input.allowInsecureLoopback === true;

  let root: string;
  if (input.baseUrl !== undefined) {
    const url = checkUpstreamUrl(input.baseUrl, "baseUrl", allowLoopback);
    root = `${url.origin}${url.pathname}`.replace(/\/+$/, "");
  } else if (region !== undefined) {
    root = regions[region].root;
  } else {
    throw fail("region or baseUrl is required");
  }

  const tokenPath = input.tokenPath ?? "/oidc/token";
  if (typeof tokenPath !== "string" || !tokenPath.startsWith("/") || tokenPath.startsWith("//")) {
    throw fail("tokenPath must be an absolute path such as /oidc/token");
  }
  const jwksUrl =
    input.jwksUrl !== undefined
      ? checkUpstreamUrl(input.jwksUrl, "jwksUrl", allowLoopback).href
      : `${root}/cis/oidc/jwks`;
  if (input.issuer !== undefined && (typeof input.issuer !== "string" || input.issuer.length === 0)) {
    throw fail("issuer must be a non-empty string");
  }
  const timeoutMs = input.timeoutMs ?? 10_000;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw fail("timeoutMs must be a positive number");
  }
  const algorithms = input.algorithms ?? ["RS256"];
  if (algorithms.length === 0 || algorithms.some((a) => a !== "RS256" && a !== "PS256")) {
    throw fail("algorithms may contain only RS256 and PS256");
  }
  const clockToleranceSec = input.clockToleranceSec ?? 30;
  if (!Number.isFinite(clockToleranceSec) || clockToleranceSec < 0 || clockToleranceSec > 300) {
    throw fail("clockToleranceSec must be between 0 and 300");
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
    jwksUrl,
    issuer: input.issuer ?? (region !== undefined ? regions[region].issuer : undefined),
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    timeoutMs,
    algorithms,
    clockToleranceSec,
  };
}
