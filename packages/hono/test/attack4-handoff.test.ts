// attack4: the hooks issue 14 added to the router, on their own (no Worker): `handOff` (a login run elsewhere once
// the router's own checks passed) and `Limiter.learned` (a sign-in that was not counted). Portable: Node, workerd,
// Deno and Bun.
import { describe, expect, it } from "vitest";
import type { HandOff, Limiter, LimitKey } from "../src/index.ts";
import { memoryLimiter } from "../src/index.ts";
import { browser, loginJson, ORIGIN, START, sessionCookie, setup, upstream } from "./helpers.ts";

function recordingHandOff(answer: () => Promise<Response> = async () => new Response("handed", { status: 200 })) {
  const seen: string[] = [];
  const handOff: HandOff = async (_c, { userKey }) => {
    seen.push(userKey);
    return answer();
  };
  return { seen, handOff };
}

describe("attack4: handOff runs only what the router already checked", () => {
  it("H14 a login refused by origin, content type, validation or the per-IP limit is never handed over", async () => {
    const { seen, handOff } = recordingHandOff();
    const s = setup({ auth: { handOff }, limits: { ip: 2 } });
    const req = (headers: Record<string, string>, body: string) =>
      s.app.request(`${ORIGIN}/auth/login`, { method: "POST", headers: browser(headers), body });
    const good = JSON.stringify({ username: "alice", password: "pw-alice" });
    // Cross-site, wrong media type, missing field, credentials in the URL: refused before the hand-over.
    expect(
      (
        await req(
          { "content-type": "application/json", origin: "https://evil.example", "sec-fetch-site": "cross-site" },
          good,
        )
      ).status,
    ).toBe(403);
    expect((await req({ "content-type": "text/plain" }, good)).status).toBe(415);
    expect((await req({ "content-type": "application/json" }, JSON.stringify({ username: "alice" }))).status).toBe(400);
    expect(seen).toEqual([]);
    // Two pass the per-IP limit and are handed over; the third is refused by it.
    expect((await loginJson(s.app, { username: "alice", password: "pw" })).status).toBe(200);
    expect((await loginJson(s.app, { username: " ALICE", password: "pw" })).status).toBe(200);
    expect((await loginJson(s.app, { username: "alice", password: "pw" })).status).toBe(429);
    // One keyed hash for the normalised username; nothing reached Transmit from here.
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]).not.toContain("alice");
    expect(s.fake.calls).toHaveLength(0);
  });

  it("H14 E02 a hand-over that throws is a generic 5xx, never retried and never run here instead", async () => {
    let calls = 0;
    const { handOff } = recordingHandOff(async () => {
      calls++;
      throw new Error("object reset after reading the password");
    });
    const s = setup({ auth: { handOff } });
    const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await res.text()).not.toContain("object reset");
    expect(calls).toBe(1);
    expect(s.fake.count("authenticate")).toBe(0);
    expect(s.events.at(-1)).toMatchObject({ type: "login", reason: "hand_off_failed" });
  });
});

describe("attack4: Limiter.learned", () => {
  it("the sign-in that ends a forced password change is learnt (the account key, no device), never counted as a success", async () => {
    const learned: LimitKey[] = [];
    const succeeded: LimitKey[] = [];
    const base = memoryLimiter({
      now: () => START,
      ip: { limit: 50, windowMs: 60_000 },
      account: { limit: 4, windowMs: 3_600_000 },
    });
    const limiter: Limiter = {
      hit: (k, c) => base.hit(k, c),
      release: (k, c) => base.release?.(k, c) ?? Promise.resolve(),
      reset: (k, c) => base.reset?.(k, c) ?? Promise.resolve(),
      succeeded: async (k) => {
        succeeded.push(k);
      },
      learned: async (k) => {
        learned.push(k);
      },
    };
    const s = setup({ auth: { limiter } });
    s.fake.failNext.authenticate = [upstream("password_change_required", { resetToken: "reset-alice" })];
    const first = await loginJson(s.app, { username: "alice", password: "pw-alice" });
    expect(first.status).toBe(403);
    expect(learned).toEqual([]);
    const pending = sessionCookie(first, "__Host-session-pw") as string;
    const res = await s.app.request(`${ORIGIN}/auth/password`, {
      method: "POST",
      headers: browser({ "content-type": "application/json", cookie: pending }),
      body: JSON.stringify({ newPassword: "new-pw-alice" }),
    });
    expect(res.status).toBe(200);
    expect(learned).toHaveLength(1);
    expect(learned[0]).toMatchObject({ scope: "account" });
    expect(learned[0]?.device).toBeUndefined();
    expect(succeeded).toEqual([]);
  });
});

describe("attack4 F5: handOff learns where this browser signed in to this exact account before", () => {
  it("F5 signedInBefore is true only for the region and the exact username of the browser's device entry", async () => {
    // A first deployment without a hand-over signs alice in (the fake client's region: eu) and issues her device entry.
    const local = setup();
    const first = await loginJson(local.app, { username: "alice", password: "pw-alice" });
    expect(first.status).toBe(200);
    const jar = first.headers
      .getSetCookie()
      .map((l) => l.split(";")[0])
      .join("; ");
    // The same secret and clock, with a hand-over that asks about each region.
    const asked: Record<string, boolean>[] = [];
    const handOff: HandOff = async (_c, login) => {
      asked.push({
        eu: await login.signedInBefore("eu"),
        us: await login.signedInBefore("us"),
      });
      return new Response("handed", { status: 200 });
    };
    const s = setup({ auth: { handOff } });
    const as = (username: string, cookie?: string) =>
      loginJson(s.app, { username, password: "whatever" }, cookie ? { cookie } : {});
    await as("alice", jar);
    await as("Alice", jar); // another account on a tenant with case-sensitive usernames
    await as("alice"); // a browser without the entry
    expect(asked).toEqual([
      { eu: true, us: false },
      { eu: false, us: false },
      { eu: false, us: false },
    ]);
  });
});
