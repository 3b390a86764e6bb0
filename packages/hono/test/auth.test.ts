// Checklist section A: authentication and anti-automation.
import { describe, expect, it } from "vitest";
import { browser, CLIENT_IP, type FakeClient, headerNames, loginJson, ORIGIN, setup, upstream } from "./helpers.ts";

function ipSent(fake: FakeClient): string | undefined {
  const input = fake.calls[0]?.args[0] as { clientAttributes?: { ipAddress?: string } } | undefined;
  return input?.clientAttributes?.ipAddress;
}

describe("A. authentication and anti-automation", () => {
  it("A01 unknown user and wrong password give the same generic 401", async () => {
    const s = setup();
    const unknown = await loginJson(s.app, { username: "nobody", password: "pw-x" });
    const wrong = await loginJson(s.app, { username: "alice", password: "wrong" });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const [a, b] = [await unknown.text(), await wrong.text()];
    expect(a).toBe(b);
    expect(JSON.parse(a).type).toBe("urn:transmit-edge:problem:invalid_credentials");
    expect(headerNames(unknown)).toEqual(headerNames(wrong));
    expect(unknown.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
    expect(unknown.headers.get("www-authenticate")).toContain("realm=");
    expect(unknown.headers.get("set-cookie")).toBeNull();
  });

  it("A02 locked and disabled answers give the generic 401; password change required gives 403 without the token", async () => {
    const s = setup();
    const reference = await (await loginJson(s.app, { username: "alice", password: "wrong" })).text();
    for (const code of ["locked", "invalid_request"] as const) {
      s.fake.failNext.authenticate = [upstream(code)];
      const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe(reference);
    }
    s.fake.failNext.authenticate = [upstream("password_change_required", { resetToken: "reset-alice" })];
    const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(JSON.parse(body).type).toBe("urn:transmit-edge:problem:password_change_required");
    expect(body).not.toContain("reset-alice");
    const cookies = res.headers.get("set-cookie") ?? "";
    expect(cookies).toContain("__Host-session-pw=");
    expect(cookies).not.toContain("reset-alice");
  });

  it("A03 both failure cases make exactly one upstream call of the same shape", async () => {
    const s = setup();
    await loginJson(s.app, { username: "nobody", password: "x" });
    await loginJson(s.app, { username: "alice", password: "x" });
    const calls = s.fake.calls.filter((c) => c.method === "authenticate");
    expect(calls).toHaveLength(2);
    const shape = (i: number) => {
      const input = calls[i]?.args[0] as Record<string, unknown>;
      return [Object.keys(input).sort(), Object.keys(input.clientAttributes as object).sort()];
    };
    expect(shape(0)).toEqual(shape(1));
    expect(s.fake.calls).toHaveLength(2);
  });

  it("A04 after N failures for one username from rotating IPs the next attempt gets 429 without an upstream call", async () => {
    const s = setup({ limits: { account: 3 } });
    for (let i = 0; i < 3; i++) {
      const res = await loginJson(
        s.app,
        { username: "Alice", password: "bad" },
        { "cf-connecting-ip": `198.51.100.${i}` },
      );
      expect(res.status).toBe(401);
    }
    // Normalisation: " alice" and "ALICE" count for the same account.
    const res = await loginJson(
      s.app,
      { username: " ALICE", password: "pw-alice" },
      { "cf-connecting-ip": "198.51.100.99" },
    );
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(JSON.parse(await res.text()).type).toBe("urn:transmit-edge:problem:too_many_requests");
    expect(s.fake.count("authenticate")).toBe(3);
  });

  it("A04 concurrent guesses for one account cannot exceed the limit: each attempt is counted before Transmit is called", async () => {
    const s = setup({ limits: { account: 3, ip: 1000 } });
    s.fake.authenticateDelayMs = 30;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        loginJson(s.app, { username: "alice", password: `guess-${i}` }, { "cf-connecting-ip": `198.51.100.${i}` }),
      ),
    );
    expect(s.fake.count("authenticate")).toBe(3);
    expect(answers.filter((r) => r.status === 401)).toHaveLength(3);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(17);
  });

  it("A04 attempts that got no verdict from Transmit (outage, timeout) are released: an outage locks nobody out", async () => {
    const s = setup({ limits: { account: 2 } });
    s.fake.failNext.authenticate = [upstream("upstream_unavailable"), upstream("timeout"), upstream("network")];
    for (let i = 0; i < 3; i++) {
      expect((await loginJson(s.app, { username: "alice", password: "pw-alice" })).status).toBeGreaterThanOrEqual(502);
    }
    expect((await loginJson(s.app, { username: "alice", password: "pw-alice" })).status).toBe(200);
  });

  it("A04 H05 a success without a device cookie takes back only its own attempt: earlier failures still count; refused attempts are not counted", async () => {
    const s = setup({ limits: { account: 3 } });
    await loginJson(s.app, { username: "alice", password: "bad" });
    for (let i = 0; i < 3; i++) {
      expect((await loginJson(s.app, { username: "alice", password: "pw-alice" })).status).toBe(200);
    }
    // Transmit may still count the failure from before the successes: strangers get no fresh attempts from them.
    await loginJson(s.app, { username: "alice", password: "bad" });
    await loginJson(s.app, { username: "alice", password: "bad" });
    expect((await loginJson(s.app, { username: "alice", password: "bad" })).status).toBe(429);
    expect((await loginJson(s.app, { username: "alice", password: "pw-alice" })).status).toBe(429);
    expect(s.fake.count("authenticate")).toBe(6);
  });

  it("A05 a burst from one IP above the limit gets 429 + Retry-After and no upstream call", async () => {
    const s = setup({ limits: { ip: 4 } });
    for (let i = 0; i < 4; i++) await loginJson(s.app, { username: `user${i}`, password: "x" });
    const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(s.fake.count("authenticate")).toBe(4);
  });

  it("A06 throttling account A leaves B alone, and A can log in once the window passes", async () => {
    const s = setup({ limits: { account: 2 } });
    for (let i = 0; i < 2; i++) await loginJson(s.app, { username: "alice", password: "bad" });
    expect((await loginJson(s.app, { username: "alice", password: "pw-alice" })).status).toBe(429);
    expect((await loginJson(s.app, { username: "bob", password: "pw-bob" })).status).toBe(200);
    s.clock.t += 3_600_001;
    expect((await loginJson(s.app, { username: "alice", password: "pw-alice" })).status).toBe(200);
  });

  it("A07 the 429 is the same whether or not the username exists", async () => {
    const s = setup({ limits: { account: 1 } });
    await loginJson(s.app, { username: "alice", password: "bad" });
    await loginJson(s.app, { username: "ghost", password: "bad" });
    const a = await loginJson(s.app, { username: "alice", password: "bad" });
    const b = await loginJson(s.app, { username: "ghost", password: "bad" });
    expect(a.status).toBe(429);
    expect(b.status).toBe(429);
    expect(await a.text()).toBe(await b.text());
    expect(headerNames(a)).toEqual(headerNames(b));
    expect(a.headers.get("retry-after")).toBe(b.headers.get("retry-after"));
  });

  it("A08 spoofed X-Forwarded-For / X-Real-IP / True-Client-IP do not change the throttle key", async () => {
    const s = setup({ limits: { ip: 3 } });
    for (let i = 0; i < 3; i++) {
      await loginJson(
        s.app,
        { username: `u${i}`, password: "x" },
        {
          "x-forwarded-for": `10.0.0.${i}`,
          "x-real-ip": `10.1.0.${i}`,
          "true-client-ip": `10.2.0.${i}`,
        },
      );
    }
    const res = await loginJson(s.app, { username: "u9", password: "x" }, { "x-forwarded-for": "10.9.9.9" });
    expect(res.status).toBe(429);
    expect(s.fake.count("authenticate")).toBe(3);
  });

  it("A08 elsewhere the peer address counts, and X-Forwarded-For only behind a trusted proxy", async () => {
    const direct = setup({ auth: { ip: undefined, getIp: () => "192.0.2.1" } });
    await loginJson(
      direct.app,
      { username: "alice", password: "pw-alice" },
      { "x-forwarded-for": "1.2.3.4", "cf-connecting-ip": "5.6.7.8" },
    );
    expect(ipSent(direct.fake)).toBe("192.0.2.1");

    const proxied = setup({ auth: { ip: { trustedProxies: ["10.0.0.0/8"] }, getIp: () => "10.0.0.2" } });
    await loginJson(
      proxied.app,
      { username: "alice", password: "pw-alice" },
      { "x-forwarded-for": "6.6.6.6, 198.51.100.4, 10.0.0.9" },
    );
    expect(ipSent(proxied.fake)).toBe("198.51.100.4");

    const untrustedPeer = setup({ auth: { ip: { trustedProxies: ["10.0.0.0/8"] }, getIp: () => "192.0.2.50" } });
    await loginJson(untrustedPeer.app, { username: "alice", password: "pw-alice" }, { "x-forwarded-for": "6.6.6.6" });
    expect(ipSent(untrustedPeer.fake)).toBe("192.0.2.50");
  });

  it("A09 the upstream call carries the end user's IP and user agent", async () => {
    const s = setup();
    await loginJson(s.app, { username: "alice", password: "pw-alice" }, { "user-agent": "Browser/42" });
    const input = s.fake.calls[0]?.args[0] as { clientAttributes: Record<string, string> };
    expect(input.clientAttributes).toEqual({ ipAddress: CLIENT_IP, userAgent: "Browser/42" });
  });

  it("A10 no client-sent value changes which client (region) is used", async () => {
    const s = setup();
    const regions: (string | undefined)[] = [];
    const { Hono } = await import("hono");
    const { passwordLogin, memorySessionStore } = await import("../src/index.ts");
    const app = new Hono();
    app.route(
      "/auth",
      passwordLogin({
        client: (_c, region) => {
          regions.push(region);
          return { client: s.fake, region: "eu" };
        },
        sessions: memorySessionStore(),
        limiter: "none",
        ip: "cf-connecting-ip",
      }),
    );
    const res = await app.request(`${ORIGIN}/auth/login?region=us`, {
      method: "POST",
      headers: browser({ "content-type": "application/json", "x-region": "us" }),
      body: JSON.stringify({ username: "alice", password: "pw-alice", region: "us" }),
    });
    expect(res.status).toBe(200);
    expect(regions).toEqual([undefined]);
    expect((await res.json()).region).toBe("eu");
  });
});
