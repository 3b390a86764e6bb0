import { describe, expect, it } from "vitest";
import { ALICE, CITIES, harness, login, ORIGIN, sessionCookie } from "./helpers.ts";

const post = (cookie: string, cf: Record<string, unknown> = CITIES.frankfurt) =>
  ({
    method: "POST",
    cf,
    headers: { cookie, origin: ORIGIN, "content-type": "application/json" },
    body: "{}",
  }) as const;

describe("session affinity", () => {
  it("a session issued in EU is refreshed and logged out in EU when the next requests come from Sydney (C11)", async () => {
    const h = await harness();
    const res = await login(h, ALICE, { cf: CITIES.frankfurt });
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    const cookie = sessionCookie(res)!;

    const refreshed = await h.fetch("/auth/refresh", post(cookie, CITIES.sydney));
    expect(refreshed.status).toBe(200);
    expect(h.calls("token.refresh", "eu")).toBe(1);
    expect(h.calls("token.refresh", "au")).toBe(0);

    const out = await h.fetch("/auth/logout", post(sessionCookie(refreshed) ?? cookie, CITIES.sydney));
    expect(out.status).toBeLessThan(300);
    expect(h.calls("session.logout", "eu")).toBe(1);
    expect(h.calls("session.logout", "au")).toBe(0);
  });
});

describe("Durable Object session lifecycle", () => {
  it("C04 fixation: a login that sends an old cookie gets a new value, and the old one then gets 401", async () => {
    const h = await harness();
    const first = sessionCookie(await login(h, ALICE))!;
    const second = await login(h, ALICE, { headers: { cookie: first } });
    const fresh = sessionCookie(second)!;
    expect(fresh).not.toBe(first);
    expect((await h.fetch("/api/me", { headers: { cookie: fresh } })).status).toBe(200);
    expect((await h.fetch("/api/me", { headers: { cookie: first } })).status).toBe(401);
  });

  it("C04 fixation: an attacker-chosen cookie value is never adopted", async () => {
    const h = await harness();
    const chosen = `__Host-session=${"A".repeat(43)}`;
    const res = await login(h, ALICE, { headers: { cookie: chosen } });
    expect(sessionCookie(res)).not.toBe(chosen);
    expect((await h.fetch("/api/me", { headers: { cookie: chosen } })).status).toBe(401);
  });

  it("C06 logout deletes the record in the Durable Object: replaying the old cookie gets 401", async () => {
    const h = await harness();
    const cookie = sessionCookie(await login(h, ALICE))!;
    const out = await h.fetch("/auth/logout", post(cookie));
    expect(out.status).toBeLessThan(300);
    const cleared = out.headers.getSetCookie().find((l) => l.startsWith("__Host-session="));
    expect(cleared).toMatch(/Max-Age=0/);
    expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(401);
    expect(h.calls("session.logout")).toBe(1);
  });

  it("C07 Durable Objects read their own writes: a new session works, and a logout holds, on the very next request from another location", async () => {
    const h = await harness();
    const cookie = sessionCookie(await login(h, ALICE, { cf: CITIES.frankfurt }))!;
    expect((await h.fetch("/api/me", { headers: { cookie }, cf: CITIES.sydney })).status).toBe(200);
    expect((await h.fetch("/auth/logout", post(cookie, CITIES.toronto))).status).toBeLessThan(300);
    expect((await h.fetch("/api/me", { headers: { cookie }, cf: CITIES.newYork })).status).toBe(401);
  });

  it("C08 idle timeout: a session unused for longer than 30 minutes is gone", async () => {
    const h = await harness();
    const cookie = sessionCookie(await login(h, ALICE))!;
    h.clock.advance(29 * 60);
    expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(200);
    h.clock.advance(31 * 60);
    expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(401);
  });

  it("C08 absolute lifetime: a session in constant use still ends after 12 hours", async () => {
    const h = await harness();
    let cookie = sessionCookie(await login(h, ALICE))!;
    // One request every 20 minutes keeps it inside the 30-minute idle timeout for 11h40m ...
    for (let step = 1; step <= 35; step++) {
      h.clock.advance(20 * 60);
      const res = await h.fetch("/api/me", { headers: { cookie } });
      expect(res.status).toBe(200);
      cookie = sessionCookie(res) ?? cookie;
    }
    // ... and 21 minutes later (12h01m after login) the absolute lifetime has passed.
    h.clock.advance(21 * 60);
    expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(401);
  });

  it("C02 CSPRNG ids: 50 logins give 50 distinct 256-bit session ids (with their 128-bit MAC) and no PII", async () => {
    const h = await harness();
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const value = sessionCookie(await login(h, ALICE, { ip: `198.51.100.${i}` }))!.split("=")[1]!;
      expect(value).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22}$/);
      expect(value).not.toContain("alice");
      ids.add(value);
    }
    expect(ids.size).toBe(50);
  });

  it("C05 the guard answers 401 for malformed, unknown and tampered cookies without calling Transmit", async () => {
    const h = await harness();
    const good = sessionCookie(await login(h, ALICE))!;
    const before = h.emulator.requests().length;
    const tampered = `${good.slice(0, -1)}${good.endsWith("A") ? "B" : "A"}`;
    for (const cookie of ["__Host-session=", "__Host-session=%%%", `__Host-session=${"x".repeat(43)}`, tampered]) {
      const res = await h.fetch("/api/me", { headers: { cookie } });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBeTruthy();
    }
    expect(h.emulator.requests().length).toBe(before);
  });
});
