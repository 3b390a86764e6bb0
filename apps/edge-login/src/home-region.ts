/**
 * Which Transmit region a new login goes to. A region is a tenant and an account lives in exactly one of them
 * (docs/regions.md, "A region is a tenant"), so the order is:
 *
 * 1. the region the person chose on the form (`region` field, only when more than one region is configured);
 * 2. the region where this browser signed in to this exact account before (its device cookie entry names the
 *    username and the region; account-login.ts): a same-named account in another tenant cannot move it (attack4 F5),
 *    but an EU home still beats an entry outside the EU (no EU password leaves the EU: attack5 F1);
 * 3. the account's home region, learnt at its last successful login and kept by its AccountThrottle object under
 *    the keyed username hash (read by the same call that counts the attempt: no extra round trip);
 * 4. the browser's remembered region (`__Host-region`, set after a successful login, whoever signed in);
 * 5. the nearest configured region (`nearestRegion` on `request.cf`).
 *
 * A password is never sent to a second region: a failed login is answered, never retried elsewhere.
 */

import { readCookie } from "@transmit-edge/hono";
import type { Context } from "hono";
import { chooseRegion, type RoutableRegion, type WorkerConfig } from "./config.ts";

/** Where a login's region came from. */
export type RegionSource = "form" | "device" | "account" | "cookie" | "nearest";

/** What the Worker keeps on the request's Hono context about regions. */
export interface RegionVariables {
  /** The region this login goes to (set once chosen). */
  transmitRegion?: RoutableRegion;
  /** Which rule chose it. Never sent to the client: "account" would tell that a username has signed in before. */
  regionSource?: RegionSource;
  /** The account's home region as its throttle object returned it (before validation). */
  accountRegion?: string;
  /** The best guess without an account, from the original request (a rebuilt Request has no `cf`). */
  regionGuess?: { region: RoutableRegion; source: RegionSource };
}

/** The Worker's Hono environment. */
export type WorkerEnv = { Bindings: Env; Variables: RegionVariables };
type RegionContext = Context<WorkerEnv>;

/** The remembered-region cookie's name after the `__Host-` prefix (Secure, Path=/, no Domain). */
export const REGION_COOKIE = "region";
/** 400 days: the longest cookie lifetime browsers keep (RFC 6265bis caps Max-Age there). */
export const REGION_COOKIE_MAX_AGE = 400 * 24 * 3600;

/** `value` when it names a configured region, else undefined: nothing a client sends picks an unconfigured host. */
export function configuredRegion(config: WorkerConfig, value: unknown): RoutableRegion | undefined {
  return typeof value === "string" && (config.candidates as string[]).includes(value)
    ? (value as RoutableRegion)
    : undefined;
}

/** The browser's remembered region, when it is a configured one. */
export function rememberedRegion(c: Context, config: WorkerConfig): RoutableRegion | undefined {
  let value: string | undefined;
  try {
    value = readCookie(c, `__Host-${REGION_COOKIE}`);
  } catch {
    return undefined; // a malformed Cookie header is no hint
  }
  return configuredRegion(config, value);
}

/** The `Set-Cookie` line that remembers `region` on this browser. */
export function rememberRegionLine(region: RoutableRegion): string {
  return `__Host-${REGION_COOKIE}=${region}; Max-Age=${REGION_COOKIE_MAX_AGE}; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

/**
 * The region chosen on the form. Read inside the login route, after the router's body limit and validation have
 * parsed the body (Hono caches it, so nothing is read twice). An empty value means "automatic".
 */
export async function formRegion(c: Context, config: WorkerConfig): Promise<RoutableRegion | undefined> {
  if (config.candidates.length < 2) return undefined;
  try {
    // JSON by the media type, parameters aside, as the router reads the body (attack3 F4).
    const json = /^application\/json\s*(;|$)/i.test(c.req.header("content-type") ?? "");
    return configuredRegion(config, json ? (await c.req.json())?.region : (await c.req.formData()).get("region"));
  } catch {
    return undefined; // the router has already answered a body it cannot parse
  }
}

/** Best guess without an account: the remembered region, else the nearest one (the form's "automatic" choice). */
export function guessRegion(c: Context, config: WorkerConfig): { region: RoutableRegion; source: RegionSource } {
  const remembered = rememberedRegion(c, config);
  return remembered
    ? { region: remembered, source: "cookie" }
    : { region: chooseRegion(c.req.raw, config), source: "nearest" };
}

/**
 * The region of a sign-up or forgot-password request (the login itself is handed over: account-login.ts): the
 * account's home, else the route's guess, recorded (and why) on the context. Never the body's `region`: those pages
 * offer no choice, and a chosen region beat the home, so a sign-up of a taken address went to another tenant, made a
 * second account there and became the owner's newest home report (attack4 F1).
 */
export async function loginRegion(c: RegionContext, config: WorkerConfig): Promise<RoutableRegion> {
  const home = configuredRegion(config, c.get("accountRegion"));
  const pick: { region: RoutableRegion; source: RegionSource } = home
    ? { region: home, source: "account" }
    : (c.get("regionGuess") ?? guessRegion(c, config));
  c.set("transmitRegion", pick.region);
  c.set("regionSource", pick.source);
  return pick.region;
}
