// The hand-over (docs/regions.md, "The hand-over"): the Worker checks, then hands the login to the account's object,
// which runs the same routes near the account's region. Each test makes an attack on that design.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ALICE, CITIES, failingNamespace, type Harness, harness, login, ORIGIN, sessionCookie } from "./helpers.ts";

/** An account that exists only in the EU tenant. */
const ELSA = { username: "elsa.eu-only", password: "Elsa-Only-In-EU-7!" };
const fromUS = { "x-debug-country": "US" };

async function withEuOnlyAccount(): Promise<Harness> {
  const h = await harness({ ALLOW_REGION_OVERRIDE: "true" });
  await h.emulator.addUser("eu", ELSA);
  return h;
}

const accountCalls = (h: Harness) => h.objectCalls.filter((c) => c.binding === "ACCOUNT_THROTTLE");

describe("the hand-over to the account's object", () => {
  it("H12 A05 requests the Worker refuses (origin, content type, size, validation, per-IP limit) reach no account object", async () => {
    const h = await harness(
      {},
      { bindings: () => ({ IP_RATE_LIMITER: { limit: async () => ({ success: false }) } as never }) },
    );
    const json = { "content-type": "application/json", origin: ORIGIN };
    const refused = [
      { headers: { ...json, origin: "https://evil.example" }, body: JSON.stringify(ALICE), status: 403 },
      { headers: { ...json, "content-type": "text/plain" }, body: JSON.stringify(ALICE), status: 415 },
      { headers: json, body: JSON.stringify({ ...ALICE, password: "x".repeat(9000) }), status: 413 },
      { headers: json, body: JSON.stringify({ username: "", password: "x" }), status: 400 },
      { headers: json, body: "{not json", status: 400 },
      // Everything right, but the per-IP layer says no.
      { headers: json, body: JSON.stringify(ALICE), status: 429 },
    ];
    for (const r of refused) {
      const res = await h.fetch("/auth/login", { method: "POST", headers: r.headers, body: r.body });
      expect(res.status).toBe(r.status);
    }
    expect(accountCalls(h)).toEqual([]);
    expect(h.calls("password.authenticate")).toBe(0);
  });

  it("H14 a client cannot forge the hand-over: its x-edge-login header (region, choice, hop, seam) is replaced", async () => {
    const h = await withEuOnlyAccount();
    // From Frankfurt, automatic: the Worker hands the login to the EU object. The forged header claims a form
    // choice of US on a second hop (which an object never sends on).
    const res = await login(h, ELSA, { cf: CITIES.frankfurt, headers: { "x-edge-login": "us;form;1;forged" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    expect(h.calls("password.authenticate", "us")).toBe(0);
    // Internal answer headers never reach the client.
    expect(res.headers.get("x-edge-region")).toBeNull();
    expect(res.headers.get("x-edge-home")).toBeNull();
  });

  it("H14 A04 a traveller's guesses are counted in one object: alternating the guessed region gives no extra attempts", async () => {
    const h = await withEuOnlyAccount();
    // The owner signed in once in the EU: the account's object outside the EU now points there.
    expect((await login(h, ELSA, { cf: {}, headers: { ...fromUS, cookie: "__Host-region=eu" } })).status).toBe(200);
    const before = h.calls("password.authenticate", "eu");
    const wrong = { ...ELSA, password: "Wrong-Guess-1!" };
    const statuses: number[] = [];
    // An attacker alternates a US guess (new browser, from the US) and an EU guess (from Frankfurt), all untrusted.
    for (let i = 0; i < 6; i++) {
      const cf = i % 2 ? CITIES.frankfurt : {};
      statuses.push((await login(h, wrong, { cf, headers: i % 2 ? {} : fromUS, ip: `198.51.100.${i}` })).status);
    }
    // 3 untrusted failures per window (below Transmit's 5), wherever the guess came from; all in the EU tenant.
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    expect(h.calls("password.authenticate", "eu") - before).toBe(3);
    expect(h.calls("password.authenticate", "us")).toBe(0);
  });

  it("H14 H15 the traveller (EU account, US request, no cookie): the US object sends the login on unread; one password call, in the EU", async () => {
    const h = await withEuOnlyAccount();
    expect((await login(h, { ...ELSA, region: "eu" }, { cf: CITIES.newYork })).status).toBe(200);
    const start = h.objectCalls.length;
    const res = await login(h, ELSA, { cf: {}, headers: fromUS });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    expect(h.calls("password.authenticate", "us")).toBe(0);
    expect(h.calls("password.authenticate", "eu")).toBe(2);
    // Two hand-overs (the cost of the traveller), then the session, in the EU, created by the EU object.
    const calls = h.objectCalls
      .slice(start)
      .map((c) => `${c.binding}.${c.method}${c.jurisdiction ? ` [${c.jurisdiction}]` : ""}${c.via ? " (object)" : ""}`);
    expect(calls).toEqual(["ACCOUNT_THROTTLE.fetch", "ACCOUNT_THROTTLE.fetch [eu]", "SESSIONS.create [eu] (object)"]);
    for (const call of h.objectCalls) expect(call.name).not.toContain("elsa");
  });

  it("H14 a form choice is never overridden by the account's home: the chosen region's object runs it, and a wrong choice is not retried", async () => {
    const h = await withEuOnlyAccount();
    expect((await login(h, ELSA, { cf: CITIES.frankfurt })).status).toBe(200);
    const res = await login(h, { ...ELSA, region: "us" }, { cf: CITIES.frankfurt });
    expect(res.status).toBe(401);
    expect(res.headers.get("x-transmit-region")).toBe("us");
    expect(h.calls("password.authenticate", "us")).toBe(1);
    expect(h.calls("password.authenticate", "eu")).toBe(1);
  });

  it("H14 E02 an error after the hand-over is a 5xx, never a retry: Transmit down (one call), an unreachable object (no call)", async () => {
    const h = await withEuOnlyAccount();
    h.emulator.injectFault({ route: "password.authenticate", status: 503, times: 1 });
    const down = await login(h, ELSA, { cf: CITIES.frankfurt });
    expect(down.status).toBeGreaterThanOrEqual(500);
    expect(sessionCookie(down)).toBeUndefined();
    expect(h.calls("password.authenticate")).toBe(1);
    expect(accountCalls(h).filter((c) => c.method === "fetch")).toHaveLength(1);

    const broken = await harness(
      {},
      { bindings: () => ({ ACCOUNT_THROTTLE: failingNamespace(env.ACCOUNT_THROTTLE) as never }) },
    );
    const res = await login(broken, ALICE, { cf: CITIES.frankfurt });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("overloaded");
    expect(broken.calls("password.authenticate")).toBe(0);
  });

  it("H15 residency: an EU login runs in an eu-jurisdiction account object, and its session is created in eu from there", async () => {
    const h = await harness();
    const res = await login(h, ALICE, { cf: CITIES.frankfurt });
    expect(res.status).toBe(200);
    const calls = h.objectCalls.filter((c) => c.phase === "request");
    expect(
      calls.map((c) => [c.binding, c.method, c.jurisdiction ?? "-", c.via ?? "worker", c.locationHint ?? "-"]),
    ).toEqual([
      ["ACCOUNT_THROTTLE", "fetch", "eu", "worker", "weur"],
      ["CLIENT_TOKENS", "readEntry", "-", "account", "weur"],
      ["SESSIONS", "create", "eu", "account", "-"],
    ]);
    // A US login's objects are placed near the US region and carry no jurisdiction.
    const us = await harness();
    await us.emulator.addUser("us", { username: "sam.us-only", password: "Sam-In-The-US-7!" });
    expect(
      (await login(us, { username: "sam.us-only", password: "Sam-In-The-US-7!" }, { cf: CITIES.newYork })).status,
    ).toBe(200);
    const first = us.objectCalls[0]!;
    expect([first.method, first.jurisdiction, first.locationHint]).toEqual(["fetch", undefined, "enam"]);
  });
});

describe("a forced password change records the account's home region (issue 14, missed before)", () => {
  it("after the change in EU, a new browser from the US with no cookie is routed to EU by the account's home", async () => {
    const h = await withEuOnlyAccount();
    await h.emulator.addUser("eu", { username: "tim.eu-only", password: "Temporary-Only-EU-1!", temporary: true });
    const pending = await login(
      h,
      { username: "tim.eu-only", password: "Temporary-Only-EU-1!", region: "eu" },
      {
        cf: {},
        headers: fromUS,
      },
    );
    expect(pending.status).toBe(403);
    const pendingCookie = pending.headers
      .getSetCookie()
      .find((l) => l.startsWith("__Host-session-pw="))!
      .split(";")[0]!;
    const changed = await h.fetch("/auth/password", {
      method: "POST",
      cf: {},
      headers: { cookie: pendingCookie, origin: ORIGIN, "content-type": "application/json", ...fromUS },
      body: JSON.stringify({ newPassword: "Brand-New-Secret-9!" }),
    });
    expect(changed.status).toBe(200);
    // Recorded after the answer, in both of the account's objects (the EU one, and the pointer outside the EU).
    const points = accountCalls(h).filter((c) => c.method === "point");
    expect(points.map((c) => [c.jurisdiction ?? "-", c.phase])).toEqual([
      ["eu", "deferred"],
      ["-", "deferred"],
    ]);
    // Another browser (no cookie), from the US, automatic: the account's home decides, the US tenant is never asked.
    const res = await login(
      h,
      { username: "tim.eu-only", password: "Brand-New-Secret-9!" },
      { cf: {}, headers: fromUS },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    expect(h.calls("password.authenticate", "us")).toBe(0);
  });
});
