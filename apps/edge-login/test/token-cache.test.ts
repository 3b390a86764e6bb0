// The two-tier client-token cache on its own (apps/edge-login/src/client-token-cache.ts), with a fake shared object
// and a fake wall clock: back-off after a failure, one fetch per isolate on a miss, and a lease that lapses.
import { describe, expect, it } from "vitest";
import { tieredTokenCache } from "../src/client-token-cache.ts";

/** A fake namespace whose one object counts calls and can be made to fail. */
function fakeShared() {
  const state = {
    calls: [] as string[],
    failing: false,
    entries: new Map<string, { value: string; expiresAt: number }>(),
  };
  const object = {
    async readEntry(key: string) {
      state.calls.push("readEntry");
      if (state.failing) throw new Error("overloaded");
      return state.entries.get(key) ?? null;
    },
    async write(key: string, value: string, ttl: number) {
      state.calls.push("write");
      if (state.failing) throw new Error("overloaded");
      state.entries.set(key, { value, expiresAt: Date.now() + ttl * 1000 });
    },
    async remove(key: string) {
      state.calls.push("remove");
      state.entries.delete(key);
    },
  };
  const namespace = { idFromName: (n: string) => n, get: () => object } as unknown as DurableObjectNamespace<never>;
  return { state, namespace };
}

function fakeWall() {
  const wall = {
    t: 1_000_000,
    now: () => wall.t,
    sleep: async (ms: number) => {
      wall.t += ms;
      await Promise.resolve();
    },
  };
  return wall;
}

describe("tiered client-token cache", () => {
  it("memory first: after one shared read, the token is served from memory", async () => {
    const { state, namespace } = fakeShared();
    state.entries.set("k", { value: "tok", expiresAt: Date.now() + 60_000 });
    const cache = tieredTokenCache(namespace as never, { name: "eu:c", wall: fakeWall() });
    for (let i = 0; i < 5; i++) expect(await cache.get("k")).toBe("tok");
    expect(state.calls).toEqual(["readEntry"]);
  });

  it("a failing shared object is skipped while backing off, and tried again afterwards", async () => {
    const { state, namespace } = fakeShared();
    state.failing = true;
    const wall = fakeWall();
    const cache = tieredTokenCache(namespace as never, { name: "eu:c", wall });
    expect(await cache.get("k")).toBeUndefined(); // the caller fetches
    await cache.set("k", "tok", 3600); // in back-off: memory only
    expect(await cache.get("k")).toBe("tok");
    expect(state.calls).toEqual(["readEntry"]);
    await cache.delete?.("k");
    wall.t += 500;
    expect(await cache.get("k")).toBeUndefined();
    expect(state.calls).toEqual(["readEntry"]); // still backing off: not even read
    wall.t += 1_000;
    state.failing = false;
    await cache.get("k");
    expect(state.calls).toEqual(["readEntry", "readEntry"]);
  });

  it("on a miss in both tiers one request fetches; concurrent ones wait for its token in memory", async () => {
    const { state, namespace } = fakeShared();
    const cache = tieredTokenCache(namespace as never, { name: "eu:c", wall: fakeWall() });
    const first = await cache.get("k"); // takes the lease
    expect(first).toBeUndefined();
    const waiting = [cache.get("k"), cache.get("k"), cache.get("k")];
    await cache.set("k", "tok", 3600);
    expect(await Promise.all(waiting)).toEqual(["tok", "tok", "tok"]);
    expect(state.calls).toEqual(["readEntry", "write"]);
  });

  it("a waiter waits at most maxWaitMs, then fetches on its own (a dead holder never chains waits)", async () => {
    const { namespace } = fakeShared();
    const wall = fakeWall();
    const cache = tieredTokenCache(namespace as never, { name: "eu:c", wall, maxWaitMs: 750 });
    expect(await cache.get("k")).toBeUndefined(); // the holder, whose fetch then hangs
    const start = wall.t;
    expect(await cache.get("k")).toBeUndefined();
    expect(wall.t - start).toBeGreaterThanOrEqual(750);
    expect(wall.t - start).toBeLessThan(800);
    // The next request still waits only maxWaitMs (it does not queue behind the previous waiter).
    const again = wall.t;
    expect(await cache.get("k")).toBeUndefined();
    expect(wall.t - again).toBeLessThan(800);
  });

  it("a failed token fetch ends the lease at once: the next request fetches without waiting", async () => {
    const { namespace } = fakeShared();
    const wall = fakeWall();
    const cache = tieredTokenCache(namespace as never, { name: "eu:c", wall });
    expect(await cache.get("k")).toBeUndefined();
    cache.fetchFailed();
    const start = wall.t;
    expect(await cache.get("k")).toBeUndefined();
    expect(wall.t).toBe(start);
  });

  it("a deferred write goes through the defer hook", async () => {
    const { state, namespace } = fakeShared();
    const tasks: (() => Promise<unknown>)[] = [];
    const cache = tieredTokenCache(namespace as never, { name: "eu:c", wall: fakeWall(), defer: (t) => tasks.push(t) });
    await cache.set("k", "tok", 3600);
    expect(state.calls).toEqual([]);
    await tasks[0]?.();
    expect(state.calls).toEqual(["write"]);
  });
});
