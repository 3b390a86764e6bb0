/** The default in-memory {@link TokenCache}. */
import type { TokenCache } from "./types.ts";

/** Options of {@link createMemoryTokenCache}. */
export interface MemoryTokenCacheOptions {
  /** Clock in ms since epoch (default `Date.now`). */
  now?: () => number;
  /** Maximum entries kept; the oldest is evicted first (default 100). */
  maxEntries?: number;
}

/**
 * In-memory token cache. It stores values only (never pending promises), so one instance may be shared by every
 * request of a Workers isolate: create it at module scope and pass it to each client.
 *
 * @example
 * ```ts
 * const tokenCache = createMemoryTokenCache(); // module scope: shared by every request of the isolate
 * export default {
 *   async fetch(request: Request, env: { TRANSMIT_CLIENT_ID: string; TRANSMIT_CLIENT_SECRET: string }) {
 *     const transmit = createTransmitClient({
 *       region: "eu",
 *       clientId: env.TRANSMIT_CLIENT_ID,
 *       clientSecret: env.TRANSMIT_CLIENT_SECRET,
 *       tokenCache,
 *     });
 *     const { username, password } = (await request.json()) as { username: string; password: string };
 *     await transmit.passwords.authenticate({ username, password });
 *     return new Response("signed in");
 *   },
 * };
 * ```
 */
export function createMemoryTokenCache(options: MemoryTokenCacheOptions = {}): TokenCache {
  const now = options.now ?? Date.now;
  const maxEntries = Math.max(1, options.maxEntries ?? 100);
  const entries = new Map<string, { value: string; expiresAt: number }>();
  return {
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    async set(key, value, ttlSeconds) {
      entries.delete(key);
      if (!(ttlSeconds > 0)) return;
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}

/** `seconds` as whole seconds, raised to the store's `minTtlSeconds` when it declares one. */
export function storeTtl(cache: TokenCache, seconds: number): number {
  const floor = cache.minTtlSeconds;
  return Math.max(Math.floor(seconds), typeof floor === "number" && floor <= 86_400 ? Math.ceil(floor) : 0);
}
