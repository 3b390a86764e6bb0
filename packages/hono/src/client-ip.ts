/**
 * Where the end user's IP comes from, and the key it is throttled under. Headers like `X-Forwarded-For` are set by
 * whoever sends the request, so they are read only behind a configured trusted proxy; on Workers `CF-Connecting-IP`
 * is set by Cloudflare. An IPv6 client is throttled by its network (a /64 by default): one subscriber usually gets a
 * whole /64, so single addresses would give an attacker 2^64 fresh counters.
 */
import type { Context } from "hono";
import { integerIn, OptionError } from "./option-error.ts";

/**
 * Source of the client IP:
 * - `"cf-connecting-ip"`: the `CF-Connecting-IP` header (only on Cloudflare, which overwrites it);
 * - `"conninfo"`: the socket's peer address from `getIp` (e.g. `getConnInfo` of your runtime's Hono adapter);
 * - `{ trustedProxies, header }`: the peer address from `getIp`; when it is a trusted proxy, the right-most
 *   untrusted address in `header` (default `X-Forwarded-For`). Entries are IPv4 or IPv6 addresses or CIDR ranges;
 *   an invalid entry is refused when the instance is created.
 */
export type IpSource =
  | "cf-connecting-ip"
  | "conninfo"
  | { trustedProxies: readonly string[]; header?: string }
  /** No client address: no per-IP limit and no end-user IP sent to Transmit (an explicit opt-out). */
  | "none";

/**
 * Reads the socket peer address, e.g. `(c) => getConnInfo(c).remote.address` from `hono/bun` or
 * `@hono/node-server/conninfo`.
 *
 * @example
 * ```ts
 * import { getConnInfo } from "hono/bun";
 * const getIp: GetIp = (c) => getConnInfo(c).remote.address;
 * ```
 */
export type GetIp = (c: Context) => string | undefined;

/** A parsed address: 4 bytes (IPv4) or 16 (IPv6). IPv4-mapped IPv6 addresses are read as IPv4. */
export interface Address {
  bytes: Uint8Array;
}

interface Network {
  bytes: Uint8Array;
  bits: number;
}

/** The resolved IP settings of an instance. */
export interface IpPolicy {
  /** `none`: the app opted out of a client address; absent: no source was configured at all. */
  source?: "cf-connecting-ip" | "conninfo" | "proxied" | "none";
  getIp?: GetIp;
  proxies: Network[];
  header: string;
  /** Prefix length IPv6 clients are grouped by for per-IP limits. */
  ipv6Prefix: number;
}

/** Whether the code runs on Cloudflare Workers. */
export function isCloudflareWorkers(): boolean {
  return typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

/** Hex groups of one side of `::`; an IPv4 tail counts as two groups. */
function groupsOf(side: string, allowIpv4Tail: boolean): number[] | undefined {
  if (side === "") return [];
  const parts = side.split(":");
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (allowIpv4Tail && i === parts.length - 1 && p.includes(".")) {
      const v4 = parseIpv4(p);
      if (!v4) return undefined;
      out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      out.push(Number.parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = groupsOf(halves[0] as string, false);
    const tail = groupsOf(halves[1] as string, true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = groupsOf(text, true);
    if (all?.length !== 8) return undefined;
    groups = all;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** Parses an IPv4 or IPv6 address (brackets allowed, no zone id); `undefined` for anything else. */
export function parseAddress(value: string | undefined | null): Address | undefined {
  if (typeof value !== "string") return undefined;
  let text = value.trim();
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  if (text.length < 2 || text.length > 45) return undefined;
  if (!text.includes(":")) {
    const v4 = parseIpv4(text);
    return v4 ? { bytes: v4 } : undefined;
  }
  const v6 = parseIpv6(text);
  if (!v6) return undefined;
  if (MAPPED_PREFIX.every((b, i) => v6[i] === b)) return { bytes: v6.slice(12) };
  return { bytes: v6 };
}

/** Canonical text of an address: dotted IPv4, or IPv6 in RFC 5952 form (lower case, longest zero run as `::`). */
export function formatAddress(address: Address): string {
  const b = address.bytes;
  if (b.length === 4) return b.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] as number) << 8) | (b[i + 1] as number));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** The first `bits` bits of `bytes`, the rest zero. */
function masked(bytes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    out[i] = (bytes[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

function inNetwork(address: Address, network: Network): boolean {
  if (address.bytes.length !== network.bytes.length) return false;
  const a = masked(address.bytes, network.bits);
  return a.every((byte, i) => byte === network.bytes[i]);
}

/** Parses a trusted-proxy entry: an address or `address/bits`. */
function parseNetwork(entry: unknown): Network | undefined {
  if (typeof entry !== "string") return undefined;
  const [base, bits, extra] = entry.split("/");
  if (extra !== undefined) return undefined;
  const address = parseAddress(base);
  if (!address) return undefined;
  const max = address.bytes.length * 8;
  if (bits === undefined) return { bytes: address.bytes, bits: max };
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return { bytes: masked(address.bytes, Number(bits)), bits: Number(bits) };
}

/**
 * A forwarded hop: an address, or an address with the port some proxies append (`203.0.113.7:51234`,
 * `[2001:db8::1]:443`, as Azure Application Gateway writes them). Reading such a hop as malformed made the proxy's
 * own address the client's, so every client behind it shared one per-IP counter.
 */
function parseHop(hop: string): Address | undefined {
  const text = hop.trim();
  const v6 = /^\[([^\]]+)\]:\d{1,5}$/.exec(text);
  if (v6) return parseAddress(v6[1]);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  return parseAddress(v4 ? v4[1] : text);
}

/** Options that decide the client IP. */
export interface IpOptions {
  ip?: IpSource;
  getIp?: GetIp;
  ipv6Prefix?: number;
}

/**
 * Resolves and checks the IP options once. Default source: `ip` when given, else `"conninfo"` when `getIp` is given,
 * else `"cf-connecting-ip"` on Workers, else none (no per-IP limit, no IP sent upstream).
 */
export function ipPolicy(factory: string, options: IpOptions): IpPolicy {
  const ipv6Prefix = integerIn(factory, "ipv6Prefix", options.ipv6Prefix, 64, 1, 128);
  const getIp = options.getIp;
  if (getIp !== undefined && typeof getIp !== "function") throw new OptionError(factory, "getIp", "must be a function");
  const base = { getIp, proxies: [] as Network[], header: "x-forwarded-for", ipv6Prefix };
  const source = options.ip;
  if (source === undefined) {
    if (getIp) return { ...base, source: "conninfo" };
    return isCloudflareWorkers() ? { ...base, source: "cf-connecting-ip" } : base;
  }
  if (source === "none") return { ...base, source };
  if (source === "cf-connecting-ip") return { ...base, source };
  if (source === "conninfo" || (typeof source === "object" && source !== null)) {
    if (!getIp) throw new OptionError(factory, "getIp", 'is required with ip "conninfo" or { trustedProxies }');
    if (source === "conninfo") return { ...base, source };
    if (!Array.isArray(source.trustedProxies)) {
      throw new OptionError(factory, "ip.trustedProxies", "must be a list of addresses or CIDR ranges");
    }
    const proxies = source.trustedProxies.map((entry, i) => {
      const network = parseNetwork(entry);
      if (!network) {
        throw new OptionError(factory, `ip.trustedProxies[${i}]`, "must be an IPv4 or IPv6 address or CIDR range");
      }
      return network;
    });
    const header = source.header ?? "x-forwarded-for";
    if (typeof header !== "string" || !/^[A-Za-z0-9-]{1,64}$/.test(header)) {
      throw new OptionError(factory, "ip.header", "must be a header name");
    }
    return { ...base, source: "proxied", proxies, header: header.toLowerCase() };
  }
  throw new OptionError(factory, "ip", 'must be "cf-connecting-ip", "conninfo", { trustedProxies } or "none"');
}

function peerOf(c: Context, policy: IpPolicy): Address | undefined {
  try {
    return parseAddress(policy.getIp?.(c));
  } catch {
    return undefined;
  }
}

/** The end user's address, or `undefined` when no trustworthy source exists. */
export function clientAddress(c: Context, policy: IpPolicy): Address | undefined {
  if (!policy.source || policy.source === "none") return undefined;
  if (policy.source === "cf-connecting-ip") return parseAddress(c.req.header("cf-connecting-ip"));
  const peer = peerOf(c, policy);
  if (policy.source === "conninfo" || !peer) return peer;
  const trusted = (a: Address) => policy.proxies.some((n) => inNetwork(a, n));
  if (!trusted(peer)) return peer;
  const hops = (c.req.header(policy.header) ?? "").split(",").map(parseHop);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (!hop) return peer; // A malformed hop: stop trusting the chain.
    if (!trusted(hop)) return hop;
  }
  return peer;
}

/**
 * The per-IP limiter key of an address: the IPv4 address, or the IPv6 network of `ipv6Prefix` bits in CIDR form
 * (`2001:db8:1:2::/64`), so that every address a subscriber can pick from its own network shares one counter.
 */
export function ipLimitKey(address: Address, ipv6Prefix: number): string {
  if (address.bytes.length === 4) return formatAddress(address);
  return `${formatAddress({ bytes: masked(address.bytes, ipv6Prefix) })}/${ipv6Prefix}`;
}
