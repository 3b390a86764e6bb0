import { DurableObject } from "cloudflare:workers";
import type { TokenCache } from "@transmit-edge/core";

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * Client access tokens shared by every isolate of the Worker: one object per (region, client id), so a cold isolate
 * reads the token another isolate fetched instead of asking Transmit for a new one. The core client never shares a
 * pending promise between requests on workerd; this shares the value.
 */
export class ClientTokenCache extends DurableObject {
  async read(key: string): Promise<string | null> {
    const entry = await this.ctx.storage.get<Entry>(key);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      await this.ctx.storage.delete(key);
      return null;
    }
    return entry.value;
  }

  async write(key: string, value: string, ttlSeconds: number): Promise<void> {
    const expiresAt = Date.now() + Math.max(0, ttlSeconds) * 1000;
    await this.ctx.storage.put(key, { value, expiresAt } satisfies Entry);
    // The alarm clears expired tokens so storage never keeps a dead secret around.
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > expiresAt) await this.ctx.storage.setAlarm(expiresAt);
  }

  async remove(key: string): Promise<void> {
    await this.ctx.storage.delete(key);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    let next: number | undefined;
    for (const [key, entry] of await this.ctx.storage.list<Entry>()) {
      if (entry.expiresAt <= now) await this.ctx.storage.delete(key);
      else next = Math.min(next ?? entry.expiresAt, entry.expiresAt);
    }
    if (next !== undefined) await this.ctx.storage.setAlarm(next);
  }
}

/** The core's `TokenCache` on top of the {@link ClientTokenCache} Durable Object. */
export function durableTokenCache(namespace: DurableObjectNamespace<ClientTokenCache>, name: string): TokenCache {
  const stub = () => namespace.get(namespace.idFromName(name));
  return {
    get: (key) => stub().read(key),
    set: (key, value, ttlSeconds) => stub().write(key, value, ttlSeconds),
    delete: (key) => stub().remove(key),
  };
}
