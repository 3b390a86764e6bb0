// Residency and the client-token hot path (issue 14): EU users' session objects live in the `eu` jurisdiction, no
// object is named after a user, and the client token comes from isolate memory, with one shared object per region
// near it that a failure never turns into a flood of token requests.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ALICE, CITIES, failingNamespace, harness, login, ORIGIN, sessionCookie } from "./helpers.ts";

describe("residency: where EU users' session data lives", () => {
  it("an EU login's session object is created in the eu jurisdiction, and every later call on it goes there", async () => {
    const h = await harness();
    const res = await login(h, ALICE, { cf: CITIES.frankfurt });
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    const cookie = sessionCookie(res)!;
    expect((await h.fetch("/api/me", { headers: { cookie }, cf: CITIES.newYork })).status).toBe(200);
    const post = {
      method: "POST",
      headers: { cookie, origin: ORIGIN, "content-type": "application/json" },
      body: "{}",
    };
    expect((await h.fetch("/auth/logout", { ...post, cf: CITIES.sydney })).status).toBe(200);
    const sessions = h.objectCalls.filter((c) => c.binding === "SESSIONS");
    expect(sessions.map((c) => `${c.method} ${c.jurisdiction}`)).toEqual([
      "create eu",
      "readFresh eu",
      "readFresh eu",
      "remove eu",
    ]);
  });

  it("a US, Canadian or Australian login's session is not restricted to a jurisdiction", async () => {
    for (const cf of [CITIES.newYork, CITIES.toronto, CITIES.sydney]) {
      const h = await harness();
      const cookie = sessionCookie(await login(h, ALICE, { cf }))!;
      expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(200);
      const sessions = h.objectCalls.filter((c) => c.binding === "SESSIONS");
      expect(sessions.length).toBe(2);
      for (const call of sessions) expect(call.jurisdiction).toBeUndefined();
    }
  });

  it("a pending password change of an EU account (reset token inside) is kept in the eu jurisdiction too", async () => {
    const h = await harness();
    const res = await login(h, { username: "tara", password: "Temporary-Pass-8!" }, { cf: CITIES.frankfurt });
    expect(res.status).toBe(403);
    const writes = h.objectCalls.filter((c) => c.binding === "SESSIONS" && c.method === "create");
    expect(writes.map((c) => c.jurisdiction)).toEqual(["eu"]);
  });

  it("no Durable Object is named after a username or email (ids are logged outside the jurisdiction)", async () => {
    const h = await harness();
    const user = { username: "Elsa.Larsen@example.eu", password: "Elsa-Only-In-EU-7!" };
    await h.emulator.addUser("eu", user);
    const cookie = sessionCookie(await login(h, user, { cf: CITIES.frankfurt }))!;
    await login(h, { ...user, password: "wrong-Password-1!" }, { cf: CITIES.frankfurt });
    await h.fetch("/api/me", { headers: { cookie } });
    expect(h.objectCalls.length).toBeGreaterThan(3);
    for (const call of h.objectCalls) {
      expect(call.name.toLowerCase()).not.toMatch(/elsa|larsen|example/);
      expect(call.name).not.toContain(cookie.split("=")[1]!);
    }
  });

  it("ALLOW_NO_JURISDICTION=true (local development only: workerd has no jurisdictions) keeps EU sessions in the default namespace", async () => {
    const h = await harness({ ALLOW_NO_JURISDICTION: "true" });
    const cookie = sessionCookie(await login(h, ALICE, { cf: CITIES.frankfurt }))!;
    expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(200);
    for (const call of h.objectCalls) expect(call.jurisdiction).toBeUndefined();
  });
});

describe("client token: isolate memory first, one shared object per region near it", () => {
  it("each region's shared object is placed with a location hint near its Transmit region, and read only on a miss", async () => {
    const h = await harness();
    for (const [region, hint] of [
      ["eu", "weur"],
      ["us", "enam"],
      ["ca", "enam"],
      ["au", "oc"],
    ] as const) {
      const before = h.objectCalls.length;
      expect((await login(h, { ...ALICE, region }, { ip: "198.51.100.1" })).status).toBe(200);
      const tokens = h.objectCalls.slice(before).filter((c) => c.binding === "CLIENT_TOKENS");
      expect(tokens.map((c) => c.method)).toEqual(["readEntry", "write"]);
      for (const call of tokens) expect(call.locationHint).toBe(hint);
    }
    // Later calls in each region (here failures) find the token in memory.
    const before = h.objectCalls.length;
    for (const region of ["eu", "us", "ca", "au"]) {
      const res = await login(
        h,
        { username: `nobody-${region}`, password: "Wrong-Horse-7!", region },
        { ip: "198.51.100.2" },
      );
      expect(res.status).toBe(401);
    }
    expect(h.objectCalls.slice(before).filter((c) => c.binding === "CLIENT_TOKENS")).toEqual([]);
    expect(h.calls("oidc.token")).toBe(4);
  });

  it("a new isolate reads a token another isolate stored instead of fetching one", async () => {
    const h = await harness();
    expect((await login(h, ALICE, { cf: CITIES.frankfurt })).status).toBe(200);
    h.restart();
    const before = h.objectCalls.length;
    expect((await login(h, ALICE, { cf: CITIES.frankfurt, ip: "198.51.100.9" })).status).toBe(200);
    expect(h.calls("oidc.token")).toBe(1);
    const tokens = h.objectCalls.slice(before).filter((c) => c.binding === "CLIENT_TOKENS");
    expect(tokens.map((c) => c.method)).toEqual(["readEntry"]);
  });

  it("H16 a failing shared object never turns into a token-endpoint flood: one fetch, then memory (and back-off)", async () => {
    const h = await harness({}, { replace: { CLIENT_TOKENS: failingNamespace(env.CLIENT_TOKENS as never) } });
    for (let i = 0; i < 20; i++) {
      const res = await login(h, ALICE, { cf: CITIES.frankfurt, ip: `198.51.100.${i}` });
      expect(res.status).toBe(200);
    }
    expect(h.calls("oidc.token")).toBe(1);
    // The failing object was tried once and then left alone (back-off), not on every login.
    expect(h.objectCalls.filter((c) => c.binding === "CLIENT_TOKENS").length).toBe(1);
  });

  it("20 concurrent logins on a cold isolate: one shared-object read and one token request (the others wait in memory)", async () => {
    const h = await harness();
    const users = Array.from({ length: 20 }, (_, i) => ({ username: `user-${i}`, password: `Password-${i}-Ok!` }));
    for (const u of users) await h.emulator.addUser("au", u);
    const answers = await Promise.all(users.map((u, i) => login(h, u, { cf: CITIES.sydney, ip: `198.51.100.${i}` })));
    expect(answers.map((r) => r.status)).toEqual(users.map(() => 200));
    expect(h.calls("oidc.token")).toBe(1);
    const tokens = h.objectCalls.filter((c) => c.binding === "CLIENT_TOKENS");
    expect(tokens.map((c) => c.method)).toEqual(["readEntry", "write"]);
  });
});
