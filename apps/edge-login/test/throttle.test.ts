import { describe, expect, it } from "vitest";
import { ALICE, harness, login } from "./helpers.ts";

/** Above twice the binding's limit (30 a minute): whatever the window boundaries, one window overflows. */
const BURST = 70;

describe("throttling", () => {
  it("A04 account throttle: failures for one username from rotating IPs stop at 3 (below Transmit's 5), then 429 + Retry-After without an upstream call", async () => {
    const h = await harness();
    await h.emulator.addUser("eu", { username: "bob", password: "Bob-Password-123!" });
    const bob = { username: "bob", password: "wrong-password-0!" };
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await login(h, bob, { ip: `192.0.2.${i + 1}` })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    expect(h.calls("password.authenticate")).toBe(3);
    const blocked = await login(h, { ...bob, username: "  BOB " }, { ip: "192.0.2.200" });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get("retry-after"))).toBeLessThanOrEqual(16 * 60);
    expect(h.calls("password.authenticate")).toBe(3);
  });

  it("A04 30 concurrent guesses for one account from 30 IPs: 3 reach Transmit (counted in the Durable Object before the call)", async () => {
    const h = await harness();
    await h.emulator.addUser("eu", { username: "dave", password: "Dave-Password-123!" });
    // Slow answers keep every guess in flight at once, as a botnet's would be.
    h.emulator.injectFault({ route: "password.authenticate", latency_ms: 50, times: 30 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        login(h, { username: "dave", password: `guess-${i}-Password!` }, { ip: `192.0.2.${i + 1}` }),
      ),
    );
    expect(h.calls("password.authenticate")).toBe(3);
    expect(answers.filter((r) => r.status === 401)).toHaveLength(3);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(27);
  });

  it("A04 a Transmit outage does not lock the account: attempts without a verdict are released", async () => {
    const h = await harness();
    h.emulator.injectFault({ route: "password.authenticate", status: 503, times: 12 });
    for (let i = 0; i < 12; i++) expect((await login(h, ALICE, { ip: `192.0.2.${i + 1}` })).status).toBe(503);
    expect((await login(h, ALICE, { ip: "192.0.2.100" })).status).toBe(200);
  });

  it("A06 throttling one account leaves another unaffected; after the window it can log in again", async () => {
    const h = await harness();
    await h.emulator.addUser("eu", { username: "carol", password: "Carol-Password-123!" });
    for (let i = 0; i < 3; i++)
      await login(h, { username: "carol", password: `wrong-${i}-Password!` }, { ip: `192.0.2.${i + 1}` });
    expect((await login(h, { username: "carol", password: "Carol-Password-123!" }, { ip: "192.0.2.99" })).status).toBe(
      429,
    );
    expect((await login(h, ALICE, { ip: "192.0.2.98" })).status).toBe(200);
    h.clock.advance(16 * 60 + 1);
    expect((await login(h, { username: "carol", password: "Carol-Password-123!" }, { ip: "192.0.2.97" })).status).toBe(
      200,
    );
  });

  it("A07 the 429 is the same for an unknown username as for a known one", async () => {
    const h = await harness();
    const answers: { status: number; body: string; retry: string | null }[] = [];
    for (const username of ["alice", "nobody-here"]) {
      for (let i = 0; i < 3; i++)
        await login(h, { username, password: `wrong-${i}-Password!` }, { ip: `192.0.2.${i + 1}` });
      const res = await login(h, { username, password: "x-Password-123!" }, { ip: "192.0.2.150" });
      answers.push({ status: res.status, body: await res.text(), retry: res.headers.get("retry-after") });
    }
    expect(answers[0]!.status).toBe(429);
    expect(answers[1]!.status).toBe(429);
    expect(answers[1]!.body).toBe(answers[0]!.body);
    expect(answers[1]!.retry).toBe(answers[0]!.retry);
  });

  it("A05 per-IP throttle (Rate Limiting binding): a burst from one IP gets 429 and Transmit is not called for it", async () => {
    const h = await harness();
    const statuses: number[] = [];
    for (let i = 0; i < BURST; i++) {
      const res = await login(h, { username: `user${i}`, password: "Some-Password-12!" }, { ip: "198.51.100.77" });
      statuses.push(res.status);
    }
    const throttled = statuses.filter((s) => s === 429).length;
    expect(throttled).toBeGreaterThan(0);
    expect(h.calls("password.authenticate")).toBe(BURST - throttled);
  });

  it("A05 H06 IPv6 rotation over HTTP: every request from a fresh address of one /64 still shares the per-IP budget", async () => {
    const h = await harness();
    const statuses: number[] = [];
    for (let i = 0; i < BURST; i++) {
      const ip = `2001:db8:77:1:${(i + 1).toString(16)}:${(i * 37).toString(16)}:beef:${i.toString(16)}`;
      const res = await login(h, { username: `user${i}`, password: "Some-Password-12!" }, { ip });
      statuses.push(res.status);
    }
    const throttled = statuses.filter((s) => s === 429).length;
    expect(throttled).toBeGreaterThan(0);
    expect(h.calls("password.authenticate")).toBe(BURST - throttled);
  });

  it("A08 spoofed X-Forwarded-For / X-Real-IP / True-Client-IP do not change the throttle key", async () => {
    const h = await harness();
    const statuses: number[] = [];
    for (let i = 0; i < BURST; i++) {
      const spoof = `203.0.113.${i + 1}`;
      const res = await login(
        h,
        { username: `user${i}`, password: "Some-Password-12!" },
        { ip: "198.51.100.78", headers: { "x-forwarded-for": spoof, "x-real-ip": spoof, "true-client-ip": spoof } },
      );
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  });

  it("A09 Transmit receives the end user's CF-Connecting-IP and User-Agent", async () => {
    const h = await harness();
    await login(h, ALICE, { ip: "198.51.100.9", headers: { "user-agent": "Test-Browser/1.0" } });
    const [call] = h.emulator.requests({ route: "password.authenticate" });
    const attrs = (call?.body as { client_attributes?: Record<string, string> } | undefined)?.client_attributes;
    expect(attrs?.ip_address).toBe("198.51.100.9");
    expect(attrs?.user_agent).toBe("Test-Browser/1.0");
  });
});
