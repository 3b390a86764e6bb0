// Checklist section C: session cookie and lifecycle, for both stores.
import { describe, expect, it } from "vitest";
import {
  browser,
  headerNames,
  loginJson,
  ORIGIN,
  SECRET,
  sessionCookie,
  setCookies,
  setup,
  signIn,
  withCookie,
} from "./helpers.ts";

for (const store of ["memory", "cookie"] as const) {
  describe(`C. session cookie and lifecycle (${store} store)`, () => {
    it("C01 a login sets exactly one __Host- session cookie (plus the __Host- device cookie): Secure, HttpOnly, Path=/, no Domain, SameSite, <= 4096 bytes", async () => {
      const s = setup({ store });
      const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
      const lines = setCookies(res);
      expect(lines.filter((l) => l.startsWith("__Host-session="))).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith("__Host-session-device="))).toHaveLength(1);
      expect(lines).toHaveLength(2);
      for (const line of lines) {
        const attrs = line.split(";").map((a) => a.trim().toLowerCase());
        expect(attrs).toContain("secure");
        expect(attrs).toContain("httponly");
        expect(attrs).toContain("path=/");
        expect(attrs).toContain("samesite=lax");
        expect(attrs.some((a) => a.startsWith("domain"))).toBe(false);
        expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(4096);
      }
      const device = lines.find((l) => l.startsWith("__Host-session-device=")) as string;
      expect(device).not.toContain("alice");
    });

    it("C02 1,000 logins give 1,000 distinct unreadable values", async () => {
      const s = setup({ store, auth: { limiter: "none" } });
      const values = new Set<string>();
      for (let i = 0; i < 1000; i++) values.add(await signIn(s, "alice"));
      expect(values.size).toBe(1000);
      for (const v of [...values].slice(0, 20)) {
        const value = v.split("=")[1] as string;
        expect(value).not.toContain("alice");
        expect(value).not.toContain("user-");
        if (store === "memory")
          expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
        else expect(atobSafe(value)).not.toContain("alice");
      }
    });

    it("C03 login and session responses never contain the refresh, access or ID token", async () => {
      const s = setup({ store });
      const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
      const cookie = sessionCookie(res) as string;
      const session = await withCookie(s.app, "/auth/session", cookie);
      const refreshed = await withCookie(s.app, "/auth/refresh", cookie, "POST");
      for (const r of [res, session, refreshed]) {
        const text = await r.text();
        expect(text).not.toMatch(/rt\.alice|at\.alice|id\.alice|ts\.alice/);
        expect(text).not.toMatch(/token/i);
      }
      expect(cookie).not.toMatch(/rt\.alice|at\.alice/);
    });

    it("C04 fixation: logging in with an old or chosen cookie sets a new value and the old one gets 401", async () => {
      const s = setup({ store });
      const old = await signIn(s, "alice");
      const res = await loginJson(s.app, { username: "alice", password: "pw-alice" }, { cookie: old });
      const fresh = sessionCookie(res) as string;
      expect(fresh).not.toBe(old);
      expect((await withCookie(s.app, "/api/me", old)).status).toBe(401);
      expect((await withCookie(s.app, "/api/me", fresh)).status).toBe(200);
      const chosen = "__Host-session=attacker-chosen-value";
      const res2 = await loginJson(s.app, { username: "bob", password: "pw-bob" }, { cookie: chosen });
      expect(sessionCookie(res2)).not.toBe(chosen);
      expect((await withCookie(s.app, "/api/me", chosen)).status).toBe(401);
    });

    it("C05 the guard gives one generic 401 for missing, malformed, unknown, expired or tampered cookies, with no upstream call", async () => {
      const s = setup({ store });
      const good = await signIn(s, "alice");
      const calls = s.fake.calls.length;
      const value = good.split("=")[1] as string;
      const flipped = value.slice(0, -2) + (value.at(-2) === "A" ? "B" : "A") + value.slice(-1);
      const cases = [
        undefined,
        "__Host-session=",
        "__Host-session=%%%not-a-value",
        `__Host-session=${"x".repeat(5000)}`,
        "__Host-session=v1.AAAA",
        `__Host-session=${flipped}`,
        `session=${value}`,
      ];
      const bodies = new Set<string>();
      const names = new Set<string>();
      for (const cookie of cases) {
        const res = await s.app.request(`${ORIGIN}/api/me`, { headers: cookie ? { cookie } : {} });
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toContain("Session");
        expect(res.headers.get("set-cookie")).toBeNull();
        bodies.add(await res.text());
        names.add(headerNames(res).join(","));
      }
      s.clock.t += 13 * 3600 * 1000; // past the absolute lifetime
      const expired = await withCookie(s.app, "/api/me", good);
      expect(expired.status).toBe(401);
      bodies.add(await expired.text());
      names.add(headerNames(expired).join(","));
      expect(bodies.size).toBe(1);
      expect(names.size).toBe(1);
      expect(s.fake.calls.length).toBe(calls);
    });

    it("C06 logout clears the cookie, deletes the record, calls Transmit logout in the session's region; replay gets 401", async () => {
      const s = setup({ store });
      const cookie = await signIn(s, "alice");
      const res = await withCookie(s.app, "/auth/logout", cookie, "POST");
      expect(res.status).toBe(200);
      const lines = setCookies(res);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^__Host-session=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      expect(s.fake.count("logout")).toBe(1);
      expect(s.fake.calls.find((c) => c.method === "logout")?.args[0]).toBe("ts.alice.1");
      expect((await withCookie(s.app, "/api/me", cookie)).status).toBe(401);
      expect((await withCookie(s.app, "/auth/session", cookie)).status).toBe(401);
      expect((await withCookie(s.app, "/auth/refresh", cookie, "POST")).status).toBe(401);
    });

    it("C08 idle timeout and absolute lifetime are enforced (injected clock)", async () => {
      const s = setup({ store, auth: { idleTimeout: 600, absoluteTimeout: 3600 } });
      let cookie = await signIn(s, "alice");
      s.clock.t += 601_000;
      expect((await withCookie(s.app, "/api/me", cookie)).status).toBe(401);
      cookie = await signIn(s, "alice");
      // Active use keeps the session alive until the absolute lifetime.
      for (let i = 0; i < 6; i++) {
        s.clock.t += 500_000;
        const res = await withCookie(s.app, "/auth/session", cookie);
        const next = sessionCookie(res);
        if (next) cookie = next;
        expect(res.status).toBe(200);
      }
      s.clock.t += 700_000;
      expect((await withCookie(s.app, "/auth/session", cookie)).status).toBe(401);
    });

    it("C09 every /login, /logout, /refresh, /session response has Cache-Control: no-store", async () => {
      const s = setup({ store });
      const cookie = await signIn(s, "alice");
      const responses = [
        await loginJson(s.app, { username: "alice", password: "pw-alice" }),
        await loginJson(s.app, { username: "alice", password: "nope" }),
        await loginJson(s.app, "{bad"),
        await withCookie(s.app, "/auth/session", cookie),
        await withCookie(s.app, "/auth/session", "__Host-session=x"),
        await withCookie(s.app, "/auth/refresh", cookie, "POST"),
        await withCookie(s.app, "/auth/logout", cookie, "POST"),
        await withCookie(s.app, "/auth/logout", cookie, "GET"),
        await withCookie(s.app, "/api/me", "__Host-session=x"),
      ];
      for (const res of responses) expect(res.headers.get("cache-control")).toBe("no-store");
    });

    it("C10 the session value never appears in a URL, Location, body or event", async () => {
      const s = setup({ store });
      const res = await loginJson(s.app, { username: "alice", password: "pw-alice", returnTo: "/x" });
      const cookie = sessionCookie(res) as string;
      const value = cookie.split("=")[1] as string;
      const form = await s.app.request(`${ORIGIN}/auth/login`, {
        method: "POST",
        headers: browser({ "content-type": "application/x-www-form-urlencoded", cookie }),
        body: "username=alice&password=pw-alice&returnTo=%2Fnext",
      });
      const formValue = (sessionCookie(form) as string).split("=")[1] as string;
      const texts = [
        await res.text(),
        form.headers.get("location") ?? "",
        await (await withCookie(s.app, "/auth/session", cookie)).text(),
        await (await withCookie(s.app, "/auth/refresh", cookie, "POST")).text(),
        JSON.stringify(s.events),
      ];
      for (const t of texts) {
        expect(t).not.toContain(value);
        expect(t).not.toContain(formValue);
      }
    });

    it("C11 refresh is single-flight per session and goes to the session's region", async () => {
      const s = setup({ store });
      s.fake.expiresIn = 30; // within the guard's refresh window
      s.fake.refreshDelayMs = 5;
      const cookie = await signIn(s, "alice");
      const results = await Promise.all(Array.from({ length: 8 }, () => withCookie(s.app, "/api/me", cookie)));
      for (const r of results) expect(r.status).toBe(200);
      expect(s.fake.count("refresh")).toBe(1);
      const region = (await results[0]?.json()) as { region: string };
      expect(region.region).toBe("eu");
      const updated = results.map((r) => sessionCookie(r)).filter(Boolean);
      if (store === "cookie") expect(updated).toHaveLength(8);
    });
  });
}

function atobSafe(value: string): string {
  try {
    return atob(value.replace(/^v1\./, "").replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return "";
  }
}

describe("C. cookie store specifics", () => {
  it("C02 sealed with a key from a >= 32-byte secret: short or missing secrets are refused at creation", async () => {
    const { cookieSessionStore } = await import("../src/index.ts");
    expect(() => cookieSessionStore({ secrets: [], recheckAfter: 300 })).toThrow(/secrets/);
    expect(() => cookieSessionStore({ secrets: ["short"], recheckAfter: 300 })).toThrow(/secrets\[0\]/);
    expect(() => cookieSessionStore({ secrets: [undefined as unknown as string], recheckAfter: 300 })).toThrow(
      /32 bytes/,
    );
    expect(() => cookieSessionStore({ secrets: [SECRET], recheckAfter: 300 })).not.toThrow();
  });

  it("C02 key rotation: the first secret seals, every secret opens", async () => {
    const { cookieSessionStore } = await import("../src/index.ts");
    const old = cookieSessionStore({ secrets: [SECRET], recheckAfter: 300 });
    const record = {
      kind: "session" as const,
      id: "r1",
      userId: "u",
      createdAt: 1,
      lastSeenAt: 1,
      expiresAt: 9e9,
      idleTimeout: 9e9,
    };
    const sealedOld = await old.create(record);
    const rotated = cookieSessionStore({ secrets: [`new-${SECRET}`, SECRET], recheckAfter: 300 });
    expect((await rotated.get(sealedOld))?.userId).toBe("u");
    const sealedNew = await rotated.create(record);
    expect(await old.get(sealedNew)).toBeUndefined();
    const dropped = cookieSessionStore({ secrets: [`new-${SECRET}`], recheckAfter: 300 });
    expect(await dropped.get(sealedOld)).toBeUndefined();
    expect((await dropped.get(sealedNew))?.userId).toBe("u");
  });
});
