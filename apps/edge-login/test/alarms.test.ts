import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { SessionRecord } from "@transmit-edge/hono";
import { describe, expect, it } from "vitest";
import { tieredTokenCache } from "../src/client-token-cache.ts";

function record(nowS: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    kind: "session",
    id: "r",
    userId: "u",
    region: "eu",
    createdAt: nowS,
    lastSeenAt: nowS,
    expiresAt: nowS + 3600,
    idleTimeout: 1800,
    ...overrides,
  };
}

const keys = (stub: DurableObjectStub) =>
  runInDurableObject(stub, async (_instance, state) => [...(await state.storage.list()).keys()]);

describe("Durable Object clean-up by alarms", () => {
  it("a session whose idle deadline has passed is deleted by its alarm (no secret left in storage)", async () => {
    const stub = env.SESSIONS.get(env.SESSIONS.newUniqueId());
    const nowS = Math.floor(Date.now() / 1000);
    await stub.create(record(nowS - 3000, { lastSeenAt: nowS - 2000, refreshToken: "rt" }));
    // An alarm set in the past may already have fired; either way, once it has run nothing is left.
    await runDurableObjectAlarm(stub);
    expect(await keys(stub)).toEqual([]);
  });

  it("a session still in use survives its alarm, which is moved to the new deadline", async () => {
    const stub = env.SESSIONS.get(env.SESSIONS.newUniqueId());
    const nowS = Math.floor(Date.now() / 1000);
    await stub.create(record(nowS));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await keys(stub)).toEqual(["record"]);
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).toBe((nowS + 1800) * 1000);
  });

  it("an account throttle forgets its failures (untrusted and per device) when its window's alarm fires, and only those", async () => {
    const stub = env.ACCOUNT_THROTTLE.get(env.ACCOUNT_THROTTLE.newUniqueId());
    const rule = { limit: 3, windowMs: 60_000 };
    await stub.hit(Date.now(), rule);
    await stub.hit(Date.now(), rule, "device-1");
    // A key of another feature in the same object survives the throttle's clean-up.
    await runInDurableObject(stub, (_i, state) => state.storage.put("other", 1));
    expect(await keys(stub)).toEqual(["device:device-1", "failures", "other"]);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await keys(stub)).toEqual(["other"]);
  });

  it("an account's home region outlives its failures' window, and is forgotten 400 days after the last success", async () => {
    const stub = env.ACCOUNT_THROTTLE.get(env.ACCOUNT_THROTTLE.newUniqueId());
    const rule = { limit: 3, windowMs: 60_000 };
    const now = Date.now();
    expect(await stub.hitHome(now, rule)).toEqual({ allowed: true });
    // A success without a device cookie takes its own attempt back and records the region.
    // It answers that the account's object in the other jurisdiction is to be told (account-login.ts, a
    // traveller), and notes it once the caller says the tell succeeded (attack4 F6).
    expect(await stub.succeeded(now, rule, undefined, "eu")).toBe(true);
    expect(await keys(stub)).toEqual(["home"]);
    await stub.told("eu", now);
    expect(await keys(stub)).toEqual(["home", "told"]);
    // The counters' alarm, still pending, runs first; it then arms the home region's.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBe(now + 400 * 24 * 3_600_000);
    await stub.hitHome(now, rule);
    expect(await stub.hitHome(now, rule)).toMatchObject({ allowed: true, home: "eu" });
    // While attempts are counted, the alarm is theirs; it drops them, keeps the home region and re-arms for its end.
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBe(now + 60_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await keys(stub)).toEqual(["home", "told"]);
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBe(now + 400 * 24 * 3_600_000);

    const stale = env.ACCOUNT_THROTTLE.get(env.ACCOUNT_THROTTLE.newUniqueId());
    await stale.succeeded(now - 401 * 24 * 3_600_000, rule, undefined, "au");
    await runDurableObjectAlarm(stale);
    expect(await keys(stale)).toEqual([]);
  });

  it("cached client tokens are dropped by the alarm once expired", async () => {
    const stub = env.CLIENT_TOKENS.get(env.CLIENT_TOKENS.newUniqueId());
    await stub.write("k", "token-value", 0);
    await runDurableObjectAlarm(stub);
    expect(await keys(stub)).toEqual([]);
    expect(await stub.readEntry("k")).toBeNull();
  });
});

describe("ClientTokenCache lease (attack4 F8)", () => {
  it("with nothing stored, the first reader gets the refresh lease (null), later ones are told it is held", async () => {
    const stub = env.CLIENT_TOKENS.get(env.CLIENT_TOKENS.newUniqueId());
    expect(await stub.readEntry("k", 60_000)).toBeNull();
    const held = await stub.readEntry("k", 60_000);
    expect(held).toMatchObject({ leased: expect.any(Number) });
    // A plain read (no lease asked) is unchanged: null.
    expect(await stub.readEntry("k")).toBeNull();
    // The holder's write ends the lease: everyone reads the token.
    await stub.write("k", "token-1", 3_600);
    expect(await stub.readEntry("k", 60_000)).toMatchObject({ value: "token-1" });
  });

  it("a stored token that ends before the caller's `after` is renewed under the lease; one that ends after is returned", async () => {
    const stub = env.CLIENT_TOKENS.get(env.CLIENT_TOKENS.newUniqueId());
    await stub.write("k", "token-1", 3_600);
    const entry = (await stub.readEntry("k")) as { expiresAt: number };
    expect(await stub.readEntry("k", 60_000, entry.expiresAt - 1)).toMatchObject({ value: "token-1" });
    expect(await stub.readEntry("k", 60_000, entry.expiresAt + 30_000)).toBeNull();
    expect(await stub.readEntry("k", 60_000, entry.expiresAt + 30_000)).toMatchObject({ leased: expect.any(Number) });
  });

  it("two isolates on the real object near the token's end: one renews it, the other keeps its token, then takes the renewal", async () => {
    const name = `eu:${crypto.randomUUID()}`;
    let later = 0;
    const a = tieredTokenCache(env.CLIENT_TOKENS, { name });
    const b = tieredTokenCache(env.CLIENT_TOKENS, { name, now: () => Date.now() + later });
    await a.set("k", "token-0", 20); // ends in 20 s: inside the 30 s renewal window
    expect(await b.get("k")).toBe("token-0"); // from the shared object into b's memory
    expect(await a.get("k")).toBeUndefined(); // a takes the shared lease: its caller fetches
    expect(await b.get("k")).toBe("token-0"); // the lease is held: b keeps its token, no fetch
    await a.set("k", "token-1", 3_600); // a's fetched token, written to the shared object (ends the lease)
    later = 21_000; // b's token has ended: it reads the renewal instead of fetching
    expect(await b.get("k")).toBe("token-1");
  });

  it("attack5 F4 only the lease's holder gives it back (its token request failed): the next reader gets it at once", async () => {
    const stub = env.CLIENT_TOKENS.get(env.CLIENT_TOKENS.newUniqueId());
    expect(await stub.readEntry("k", 60_000, 0, "isolate-a")).toBeNull();
    // Another isolate cannot end it.
    await stub.release("k", "isolate-b");
    expect(await stub.readEntry("k", 60_000, 0, "isolate-b")).toMatchObject({ leased: expect.any(Number) });
    await stub.release("k", "isolate-a");
    expect(await stub.readEntry("k", 60_000, 0, "isolate-b")).toBeNull();
    // The first holder's late release does not end the second holder's lease.
    await stub.release("k", "isolate-a");
    expect(await stub.readEntry("k", 60_000, 0, "isolate-c")).toMatchObject({ leased: expect.any(Number) });
  });
});
