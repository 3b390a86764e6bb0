import { beforeEach, describe, expect, it } from "vitest";
import { api, claimsOf, clientToken, json, login, makeEmulator, ORIGIN, PASSWORD, tokenRequest } from "./helpers.js";

const emulator = makeEmulator({ regions: ["eu", "us"] });
beforeEach(() => emulator.reset());

function control(path: string, body?: unknown, method = body === undefined ? "GET" : "POST"): Promise<Response> {
  return emulator.fetch(
    new Request(`${ORIGIN}/__emulator${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

describe("control API", () => {
  it("describes each region: root URL, issuer, demo client and users", async () => {
    const body = await json(await control("/"));
    const regions = body.regions as Record<string, unknown>[];
    expect(regions.map((r) => r.region)).toEqual(["eu", "us"]);
    expect(regions[0]).toMatchObject({
      root: `${ORIGIN}/eu`,
      issuer: "https://eu.userid.security",
      clients: [{ client_id: "demo-client-eu", client_secret: "demo-secret-eu" }],
      users: expect.arrayContaining([
        expect.objectContaining({ username: "alice", password: PASSWORD, state: "active" }),
      ]),
    });
  });

  it("adds a client that can then get tokens", async () => {
    const res = await control("/eu/clients", {
      client_id: "app2",
      client_secret: "s3cret",
      resources: ["https://r.example"],
    });
    expect(res.status).toBe(201);
    const token = await emulator.fetch(
      tokenRequest("eu", { client_id: "app2", client_secret: "s3cret", resource: "https://r.example" }),
    );
    expect(token.status).toBe(200);
  });

  it("adds users (plain, temporary, expired) who log in accordingly", async () => {
    const created = await control("/eu/users", { username: "u1", email: "u1@example.com", password: "anything" });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ user_id: expect.any(String) });
    await control("/eu/users", { username: "u2", password: "anything", temporary: true });
    await control("/eu/users", { username: "u3", password: "anything", expired: true });
    const token = await clientToken(emulator);
    expect((await login(emulator, token, { username: "u1", password: "anything" })).status).toBe(200);
    expect((await json(await login(emulator, token, { username: "u2", password: "anything" }))).message).toBe(
      "temporary_password",
    );
    expect((await json(await login(emulator, token, { username: "u3", password: "anything" }))).message).toBe(
      "password_expired",
    );
  });

  it("answers 409 for a duplicate user and 400 for an invalid one", async () => {
    expect((await control("/eu/users", { username: "alice", password: "x" })).status).toBe(409);
    expect((await control("/eu/users", { password: "x" })).status).toBe(400);
    expect((await control("/eu/clients", { client_id: 1 })).status).toBe(400);
    expect((await control("/mars/users", { username: "x" })).status).toBe(404);
  });

  it("records calls with passwords, secrets and tokens redacted, filterable by region and route", async () => {
    const token = await clientToken(emulator);
    const tokens = await json(await login(emulator, token, { username: "alice", password: PASSWORD }));
    await api(emulator, "eu", "/v1/auth/token/refresh", { refresh_token: tokens.refresh_token }, token);
    await emulator.fetch(tokenRequest("us"));
    const all = await json(await control("/requests"));
    const text = JSON.stringify(all);
    for (const secret of [PASSWORD, "demo-secret-eu", "demo-secret-us", tokens.refresh_token as string, token]) {
      expect(text).not.toContain(secret);
    }
    const eu = (await json(await control("/requests?region=eu&route=password.authenticate"))).requests as Record<
      string,
      unknown
    >[];
    expect(eu).toEqual([
      expect.objectContaining({
        method: "POST",
        region: "eu",
        route: "password.authenticate",
        status: 200,
        body: { username: "alice", password: "[redacted]" },
      }),
    ]);
    const us = (await json(await control("/requests?region=us"))).requests as Record<string, unknown>[];
    expect(us).toEqual([
      expect.objectContaining({ route: "oidc.token", body: expect.objectContaining({ client_secret: "[redacted]" }) }),
    ]);
  });

  it("reset restores seeded users and forgets sessions, faults and the log", async () => {
    const token = await clientToken(emulator);
    const tokens = await json(await login(emulator, token, { username: "alice", password: PASSWORD }));
    await control("/eu/users", { username: "temp-user", password: "x" });
    await control("/faults", { route: "jwks", status: 500 });
    expect((await control("/reset", {})).status).toBe(204);
    const fresh = await clientToken(emulator);
    expect((await login(emulator, fresh, { username: "temp-user", password: "x" })).status).toBe(401);
    expect(
      (await api(emulator, "eu", "/v1/auth/session/authenticate", { session_id: tokens.session_id }, fresh)).status,
    ).toBe(400);
    expect((await emulator.fetch(new Request(`${ORIGIN}/eu/cis/oidc/jwks`))).status).toBe(200);
    // Only the call made after the reset is logged.
    expect(((await json(await control("/requests?route=password.authenticate"))).requests as unknown[]).length).toBe(1);
  });

  it("moves the emulator clock, which drives token iat/exp", async () => {
    const before = claimsOf(await clientToken(emulator)).iat as number;
    const res = await control("/clock", { advance_seconds: 7200 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ now: expect.any(String), now_ms: expect.any(Number) });
    const after = claimsOf(await clientToken(emulator)).iat as number;
    expect(after - before).toBeGreaterThanOrEqual(7200);
    expect((await control("/clock", { advance_seconds: "soon" })).status).toBe(400);
  });

  it("changes the password policy at runtime, until reset", async () => {
    const res = await emulator.fetch(
      new Request(`${ORIGIN}/__emulator/policy`, { method: "PUT", body: JSON.stringify({ maxPasswordFailures: 2 }) }),
    );
    expect(res.status).toBe(200);
    expect(((await json(res)).policy as Record<string, unknown>).maxPasswordFailures).toBe(2);
    const token = await clientToken(emulator);
    for (let i = 0; i < 2; i++) await login(emulator, token, { username: "alice", password: "bad" });
    expect((await login(emulator, token, { username: "alice", password: PASSWORD })).status).toBe(403);
    await control("/reset", {});
    expect(((await json(await control("/policy"))).policy as Record<string, unknown>).maxPasswordFailures).toBe(5);
    const bad = await emulator.fetch(
      new Request(`${ORIGIN}/__emulator/policy`, {
        method: "PUT",
        body: JSON.stringify({ maxPasswordFailures: "x", nope: 1 }),
      }),
    );
    expect(bad.status).toBe(400);
  });

  it("changes failure answers at runtime, until reset", async () => {
    const custom = { status: 400, body: { error_code: "auth_invalid_credentials", message: "Invalid credentials" } };
    const res = await emulator.fetch(
      new Request(`${ORIGIN}/__emulator/failures`, {
        method: "PUT",
        body: JSON.stringify({ invalid_credentials: custom }),
      }),
    );
    expect(res.status).toBe(200);
    const token = await clientToken(emulator);
    const wrong = await login(emulator, token, { username: "alice", password: "bad" });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual(custom.body);
    await control("/reset", {});
    const fresh = await clientToken(emulator);
    expect((await login(emulator, fresh, { username: "alice", password: "bad" })).status).toBe(401);
    const bad = await emulator.fetch(
      new Request(`${ORIGIN}/__emulator/failures`, { method: "PUT", body: JSON.stringify({ no_such_kind: {} }) }),
    );
    expect(bad.status).toBe(400);
  });

  it("changes the one-time code settings at runtime, until reset", async () => {
    const put = (body: unknown) =>
      emulator.fetch(new Request(`${ORIGIN}/__emulator/codes`, { method: "PUT", body: JSON.stringify(body) }));
    const res = await put({ otpLength: 8, maxCodeFailures: 2 });
    expect(res.status).toBe(200);
    expect((await json(res)).codes).toMatchObject({ otpLength: 8, maxCodeFailures: 2, otpValidityMinutes: 5 });
    const token = await clientToken(emulator);
    const sent = await api(
      emulator,
      "eu",
      "/v1/auth/otp/send",
      { channel: "direct", identifier_type: "username", identifier: "alice" },
      token,
    );
    expect((await json(sent)).code).toMatch(/^\d{8}$/);
    await control("/reset", {});
    expect(((await json(await control("/codes"))).codes as Record<string, unknown>).otpLength).toBe(6);
    for (const bad of [{ otpLength: 0 }, { otpLength: "6" }, { nope: 1 }, { totpWindowSteps: 1.5 }]) {
      expect((await put(bad)).status, JSON.stringify(bad)).toBe(400);
    }
  });

  it("rejects invalid options when the emulator is created", () => {
    expect(() => makeEmulator({ failures: { nope: {} } as never })).toThrow(/unknown failure kind/);
    expect(() => makeEmulator({ policy: { maxPasswordFailures: -1 } })).toThrow(/maxPasswordFailures/);
    expect(() => makeEmulator({ seed: { eu: { users: [{ password: "x" }] } } })).toThrow(/seed/);
    expect(() => makeEmulator({ regions: ["mars" as never] })).toThrow(/Unknown region/);
    expect(() => makeEmulator({ codes: { otpLength: 0 } })).toThrow(/otpLength/);
    expect(() => makeEmulator({ policy: { codeLength: 3 } })).toThrow(/codeLength/);
    expect(() => makeEmulator({ resetLinkCode: "jwt" as never })).toThrow(/resetLinkCode/);
    expect(() => makeEmulator({ sessionsApiScope: "mine" as never })).toThrow(/sessionsApiScope/);
  });

  it("seeds clients and users from the seed option", async () => {
    const seeded = makeEmulator({
      regions: ["ca"],
      demo: false,
      seed: { ca: { clients: [{ client_id: "c", client_secret: "s" }], users: [{ username: "s1", password: "pw" }] } },
    });
    const res = await seeded.fetch(tokenRequest("ca", { client_id: "c", client_secret: "s" }));
    const token = ((await res.json()) as { access_token: string }).access_token;
    expect((await login(seeded, token, { username: "s1", password: "pw" }, "ca")).status).toBe(200);
    expect((await seeded.fetch(tokenRequest("ca"))).status).toBe(401);
    expect(seeded.region("ca").clients).toEqual([{ client_id: "c", client_secret: "s", resources: [] }]);
  });
});
