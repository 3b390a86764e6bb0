// attack2 (outside review) in the Worker: a login waiting for its second factor and "sign out everywhere".
import { DEMO_PASSWORD } from "@transmit-edge/emulator";
import { describe, expect, it } from "vitest";
import { type Harness, harness, Jar, ORIGIN } from "./helpers.ts";

async function form(h: Harness, jar: Jar, path: string, fields: Record<string, string>, ip: string) {
  return jar.take(
    await h.fetch(path, {
      method: "POST",
      ip,
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, cookie: jar.header },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

const lastCode = (h: Harness, to: string) => h.emulator.outbox({ to }).at(-1)?.code as string;

describe("attack2 in the Worker", () => {
  it("attack2 F2 (U02, Worker): a login waiting for its second factor does not survive 'sign out everywhere'", async () => {
    const h = await harness({ SECOND_FACTOR: "always" });
    const victim = new Jar();
    expect(
      (await form(h, victim, "/auth/login", { username: "tom", password: DEMO_PASSWORD }, "198.51.100.1")).status,
    ).toBe(303);
    await form(h, victim, "/auth/verify/send", { method: "email" }, "198.51.100.1");
    const ok = await form(
      h,
      victim,
      "/auth/verify",
      { method: "email", code: lastCode(h, "tom@example.com") },
      "198.51.100.1",
    );
    expect(ok.status).toBe(303);
    expect(victim.values.has("__Host-session")).toBe(true);
    // The attacker has tom's password and waits at the code step.
    const attacker = new Jar();
    expect(
      (await form(h, attacker, "/auth/login", { username: "tom", password: DEMO_PASSWORD }, "203.0.113.50")).status,
    ).toBe(303);
    // tom signs out everywhere.
    expect((await form(h, victim, "/auth/logout-all", {}, "198.51.100.1")).status).toBe(303);
    h.clock.advance(31);
    await form(h, attacker, "/auth/verify/send", { method: "email" }, "203.0.113.50");
    await form(h, attacker, "/auth/verify", { method: "email", code: lastCode(h, "tom@example.com") }, "203.0.113.50");
    const me = await h.fetch("/api/me", { headers: { cookie: attacker.header } });
    expect(me.status).toBe(401);
  });

  it("attack2 F1 (U01, Worker): a forced password change that then asks for the second factor ends the other sessions at once", async () => {
    const h = await harness({ SECOND_FACTOR: "always" }, { policy: { passwordExpiresIn: 1 } });
    const old = new Jar();
    expect(
      (await form(h, old, "/auth/login", { username: "tom", password: DEMO_PASSWORD }, "198.51.100.2")).status,
    ).toBe(303);
    await form(h, old, "/auth/verify/send", { method: "email" }, "198.51.100.2");
    await form(h, old, "/auth/verify", { method: "email", code: lastCode(h, "tom@example.com") }, "198.51.100.2");
    expect((await h.fetch("/api/me", { headers: { cookie: old.header } })).status).toBe(200);
    // Two days later (Transmit's clock) tom's password has expired: his next sign-in must change it.
    h.emulator.advanceClock(2 * 86_400);
    const jar = new Jar();
    const first = await form(h, jar, "/auth/login", { username: "tom", password: DEMO_PASSWORD }, "198.51.100.3");
    expect(first.headers.get("location")).toBe("/password");
    const changed = await form(
      h,
      jar,
      "/auth/password",
      { newPassword: "Brand-New-Password-42!", confirmPassword: "Brand-New-Password-42!" },
      "198.51.100.3",
    );
    expect(changed.headers.get("location")).toBe("/verify");
    // The password changed: the session from before ends now.
    expect((await h.fetch("/api/me", { headers: { cookie: old.header } })).status).toBe(401);
    await form(h, jar, "/auth/verify/send", { method: "email" }, "198.51.100.3");
    const done = await form(
      h,
      jar,
      "/auth/verify",
      { method: "email", code: lastCode(h, "tom@example.com") },
      "198.51.100.3",
    );
    expect(done.status).toBe(303);
    expect((await h.fetch("/api/me", { headers: { cookie: jar.header } })).status).toBe(200);
    expect((await h.fetch("/api/me", { headers: { cookie: old.header } })).status).toBe(401);
  });
});
