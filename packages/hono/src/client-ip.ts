/**
 * Where the end user's IP comes from. Headers like `X-Forwarded-For` are set by whoever sends the request, so
 * they are read only behind a configured trusted proxy; on Workers `CF-Connecting-IP` is set by Cloudflare.
 */
import type { Context } from "hono";

/**
 * Source of the client IP:
 * - `"cf-connecting-ip"`: the `CF-Connecting-IP` header (only on Cloudflare, which overwrites it);
 * - `"conninfo"`: the socket's peer address from `getIp` (e.g. `getConnInfo` of your runtime's Hono adapter);
 * - `{ trustedProxies, header }`: the peer address from `getIp`; when it is a trusted proxy, the right-most
 *   untrusted address in `header` (default `X-Forwarded-For`). Entries are IPs or IPv4 CIDR ranges.
 *
 * @example
 * ```ts
 * passwordLogin({ client, sessions, ip: { trustedProxies: ["10.0.0.0/8"] }, getIp });
 * ```
 */
export type IpSource = "cf-connecting-ip" | "conninfo" | { trustedProxies: readonly string[]; header?: string };

/**
 * Reads the socket peer address, e.g. `(c) => getConnInfo(c).remote.address` from `hono/bun` or `@hono/node-server/conninfo`.
 *
 * @example
 * ```ts
 * import { getConnInfo } from "hono/bun";
 * const getIp: GetIp = (c) => getConnInfo(c).remote.address;
 * ```
 */
export type GetIp = (c: Context) => string | undefined;

const IP_CHARS = /^[0-9A-Fa-f:.]{2,45}$/;

/** Whether the code runs on Cloudflare Workers. */
export function onWorkers(): boolean {
  return typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";
}

function clean(value: string | undefined | null): string | undefined {
  if (!value) return undefined;
  let ip = value.trim();
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (ip.toLowerCase().startsWith("::ffff:") && ip.includes(".")) ip = ip.slice(7);
  return IP_CHARS.test(ip) ? ip : undefined;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Whether `ip` equals an entry or falls in an IPv4 CIDR entry. */
export function matchesProxy(ip: string, entries: readonly string[]): boolean {
  for (const entry of entries) {
    const [base, bits] = entry.split("/");
    if (bits === undefined) {
      if (clean(base) === ip) return true;
      continue;
    }
    const a = ipv4ToInt(ip);
    const b = ipv4ToInt(base ?? "");
    const n = Number(bits);
    if (a === undefined || b === undefined || !Number.isInteger(n) || n < 0 || n > 32) continue;
    const size = 2 ** (32 - n);
    if (Math.floor(a / size) === Math.floor(b / size)) return true;
  }
  return false;
}

/** Resolves the default source: explicit option, else `getIp` when given, else `CF-Connecting-IP` on Workers. */
export function defaultIpSource(source: IpSource | undefined, getIp: GetIp | undefined): IpSource | undefined {
  if (source) return source;
  if (getIp) return "conninfo";
  return onWorkers() ? "cf-connecting-ip" : undefined;
}

/** The end user's IP for throttling and `clientAttributes`, or `undefined` when no trustworthy source exists. */
export function clientIp(c: Context, source: IpSource | undefined, getIp: GetIp | undefined): string | undefined {
  if (!source) return undefined;
  if (source === "cf-connecting-ip") return clean(c.req.header("cf-connecting-ip"));
  let peer: string | undefined;
  try {
    peer = clean(getIp?.(c));
  } catch {
    peer = undefined;
  }
  if (source === "conninfo" || !peer) return peer;
  if (!matchesProxy(peer, source.trustedProxies)) return peer;
  const hops = (c.req.header(source.header ?? "x-forwarded-for") ?? "").split(",").map((h) => clean(h));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (!hop) return peer; // A malformed hop: stop trusting the chain.
    if (!matchesProxy(hop, source.trustedProxies)) return hop;
  }
  return peer;
}
