import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ALICE, counting, deviceCookie, harness, login, ORIGIN, sessionCookie } from "./helpers.ts";

/** Upstream password checks Transmit answered "locked" (the emulator's 403 `auth_locked`). */
const lockedAnswers = (h: Awaited<ReturnType<typeof harness>>) =>
  h.emulator.requests({ route: "password.authenticate" }).filter((c) => c.status === 403).length;

describe("malicious lockout (device cookies)", () => {
  it("A04 H05 20 wrong guesses for alice from 20 IPs: 3 reach Transmit, it never suspends her, and her browser with its device cookie still signs in", async () => {
    const h = await harness();
    const first = await login(h, ALICE, { ip: "198.51.100.1" });
    const device = deviceCookie(first)!;
    expect(device).toMatch(/^__Host-session-device=[0-9a-z]+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
    const before = h.calls("password.authenticate");

    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push(
        (await login(h, { username: "alice", password: `Guess-${i}-Password!` }, { ip: `192.0.2.${i + 1}` })).status,
      );
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    expect(h.calls("password.authenticate") - before).toBe(3);

    // Her own browser: a typo, then the right password; Transmit never answered "locked".
    expect(
      (await login(h, { ...ALICE, password: "Owner-Typo-1!" }, { ip: "198.51.100.1", headers: { cookie: device } }))
        .status,
    ).toBe(401);
    const owner = await login(h, ALICE, { ip: "198.51.100.1", headers: { cookie: device } });
    expect(owner.status).toBe(200);
    expect(sessionCookie(owner)).toBeTruthy();
    expect(lockedAnswers(h)).toBe(0);
  });

  it("A04 H05 the untrusted cap follows the tenant's lockout policy from configuration (8 failures in 30 minutes: 6 reach Transmit, never 8)", async () => {
    const h = await harness(
      { TRANSMIT_MAX_PASSWORD_FAILURES: "8", TRANSMIT_FAILURES_EXPIRE_IN: "30" },
      { policy: { maxPasswordFailures: 8, failuresExpireIn: 30 } },
    );
    const device = deviceCookie(await login(h, ALICE))!;
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push(
        (await login(h, { username: "alice", password: `Guess-${i}-Password!` }, { ip: `192.0.2.${i + 1}` })).status,
      );
    expect(statuses.filter((s) => s === 401)).toHaveLength(6);
    // 16 minutes on, Transmit still counts these six: so do we.
    h.clock.advance(16 * 60);
    expect((await login(h, { username: "alice", password: "Guess-x-Password!" }, { ip: "192.0.2.99" })).status).toBe(
      429,
    );
    expect(lockedAnswers(h)).toBe(0);
    expect((await login(h, ALICE, { headers: { cookie: device } })).status).toBe(200);
  });

  it("G01 H05 a lockout policy the throttle cannot stay below (TRANSMIT_MAX_PASSWORD_FAILURES=1) fails closed, naming the key", async () => {
    const h = await harness({ TRANSMIT_MAX_PASSWORD_FAILURES: "1" });
    const res = await login(h, ALICE);
    expect(res.status).toBe(500);
    expect(h.calls("password.authenticate")).toBe(0);
  });

  it("A04 H05 a device cookie signed for another account, tampered with or made up counts as untrusted", async () => {
    const h = await harness();
    await h.emulator.addUser("eu", { username: "bob", password: "Bob-Password-1234!" });
    const alice = deviceCookie(await login(h, ALICE))!;
    const bob = deviceCookie(await login(h, { username: "bob", password: "Bob-Password-1234!" }))!;
    for (let i = 0; i < 3; i++)
      await login(h, { username: "alice", password: `Guess-${i}-Password!` }, { ip: `192.0.2.${i + 1}` });
    const [expires, nonce, mac] = alice.split("=")[1]!.split(".") as [string, string, string];
    const forged = [
      bob,
      `__Host-session-device=${expires}.${nonce}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`,
      `__Host-session-device=${(Number.parseInt(expires, 36) + 86_400).toString(36)}.${nonce}.${mac}`,
      `__Host-session-device=zzzzzz.${"B".repeat(22)}.${"C".repeat(22)}`,
    ];
    const before = h.calls("password.authenticate");
    for (const cookie of forged) expect((await login(h, ALICE, { headers: { cookie } })).status).toBe(429);
    expect(h.calls("password.authenticate")).toBe(before);
    expect((await login(h, ALICE, { headers: { cookie: alice } })).status).toBe(200);
  });

  it("A05 C05 H12 requests a cheaper layer refused (per-IP limit, CSRF, bad body, query credentials) create no account object", async () => {
    const accounts = counting(env.ACCOUNT_THROTTLE);
    const h = await harness({}, { bindings: () => ({ ACCOUNT_THROTTLE: accounts.namespace }) });
    const refused = [
      h.fetch("/auth/login", {
        method: "POST",
        headers: { origin: "https://evil.example", "content-type": "application/json" },
        body: JSON.stringify({ username: "csrf-victim", password: "Whatever-123!" }),
      }),
      h.fetch("/auth/login", {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "application/json" },
        body: '{"username":"bad-json-user",',
      }),
      h.fetch("/auth/login?password=x", {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "application/json" },
        body: JSON.stringify({ username: "query-user", password: "Whatever-123!" }),
      }),
      h.fetch("/auth/login", {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "text/plain" },
        body: "username=plain",
      }),
      h.fetch("/auth/login", {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "application/json" },
        body: JSON.stringify({ username: "x".repeat(20_000), password: "p" }),
      }),
    ];
    for (const res of await Promise.all(refused)) expect(res.status).toBeGreaterThanOrEqual(400);
    expect(accounts.calls.total()).toBe(0);

    // A burst of new usernames from one IP: only those the per-IP layer let through reach an account object.
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++)
      statuses.push(
        (await login(h, { username: `fresh-${i}`, password: "Some-Password-12!" }, { ip: "198.51.100.77" })).status,
      );
    const passed = statuses.filter((s) => s !== 429).length;
    expect(passed).toBeLessThan(70);
    expect(accounts.calls.names.size).toBe(passed);
  });
});
