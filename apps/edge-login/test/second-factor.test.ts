// The second factor in the Worker (workerd, real Durable Objects): the /verify page, the form flow with the emulator's
// outbox, wrong codes, step-up for /api/sensitive, and the SECOND_FACTOR configuration.
import { DEMO_PASSWORD } from "@transmit-edge/emulator";
import { describe, expect, it } from "vitest";
import { type Harness, harness, Jar, ORIGIN } from "./helpers.ts";

async function form(h: Harness, jar: Jar, path: string, fields: Record<string, string>): Promise<Response> {
  return jar.take(
    await h.fetch(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, cookie: jar.header },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

async function get(h: Harness, jar: Jar, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return jar.take(await h.fetch(path, { headers: { cookie: jar.header, ...headers } }));
}

const lastCode = (h: Harness, to: string) => h.emulator.outbox({ to }).at(-1)?.code as string;

describe("second factor in the Worker", () => {
  it("M01 M04 password form -> /verify -> code by email from the outbox -> signed in; the code is in no log line", async () => {
    const h = await harness({ SECOND_FACTOR: "always" });
    const jar = new Jar();
    const first = await form(h, jar, "/auth/login", { username: "tom", password: DEMO_PASSWORD });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/verify");
    expect(jar.values.has("__Host-session")).toBe(false);
    expect(jar.values.has("__Host-session-pw")).toBe(true);
    // Not signed in yet: the home page sends to /login, the API refuses.
    expect((await get(h, jar, "/")).headers.get("location")).toBe("/login");
    expect((await get(h, jar, "/api/me")).status).toBe(401);
    const page = await get(h, jar, "/verify");
    const text = await page.text();
    expect(text).toContain('autocomplete="one-time-code"');
    expect(text).toContain('inputmode="numeric"');
    expect(text).toContain('<label for="code">');
    const sent = await form(h, jar, "/auth/verify/send", { method: "email" });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("location")).toBe("/verify?sent=email");
    expect(await (await get(h, jar, "/verify?sent=email")).text()).toContain("We sent a code by email.");
    const code = lastCode(h, "tom@example.com");
    const done = await form(h, jar, "/auth/verify", { method: "email", code });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/");
    expect(jar.values.has("__Host-session-pw")).toBe(false);
    // The region of the login is remembered like after a password-only login.
    expect(done.headers.getSetCookie().some((l) => l.startsWith("__Host-region="))).toBe(true);
    const me = (await (await get(h, jar, "/api/me")).json()) as { userId: string; claims: { amr: string[] } };
    expect(me.userId).toBe("demo-eu-tom");
    expect((await get(h, jar, "/api/sensitive")).status).toBe(200);
    for (const line of h.logs) expect(line).not.toContain(code);
  });

  it("M02 wrong codes: the page says so, and after three the person starts again from the password", async () => {
    const h = await harness({ SECOND_FACTOR: "always" });
    const jar = new Jar();
    await form(h, jar, "/auth/login", { username: "sam", password: DEMO_PASSWORD });
    const wrong = await form(h, jar, "/auth/verify", { method: "sms", code: "000001" });
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get("location")).toBe("/verify");
    const page = await (await get(h, jar, "/verify")).text();
    expect(page).toContain("That code is wrong or has expired.");
    expect(page).toContain('aria-invalid="true"');
    await form(h, jar, "/auth/verify", { method: "sms", code: "000002" });
    const last = await form(h, jar, "/auth/verify", { method: "sms", code: "000003" });
    expect(last.headers.get("location")).toBe("/login");
    expect(jar.values.has("__Host-session-pw")).toBe(false);
    expect(await (await get(h, jar, "/login")).text()).toContain("Too many wrong codes, or the time ran out.");
    // German page.
    await form(h, jar, "/auth/login", { username: "sam", password: DEMO_PASSWORD });
    const de = await (await get(h, jar, "/verify", { "accept-language": "de" })).text();
    expect(de).toContain("Code eingeben");
  });

  it("M03 /api/sensitive asks a password-only session for a second factor; stepping up at /verify opens it", async () => {
    const h = await harness(); // default: when-enrolled, and no one is enrolled: a password-only session
    const jar = new Jar();
    const res = await form(h, jar, "/auth/login", { username: "alice", password: DEMO_PASSWORD });
    expect(res.headers.get("location")).toBe("/");
    const refused = await get(h, jar, "/api/sensitive");
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      type: "urn:transmit-edge:problem:mfa_required",
      verify: "/verify",
    });
    const before = jar.values.get("__Host-session");
    expect((await form(h, jar, "/auth/verify/send", { method: "sms" })).status).toBe(303);
    const done = await form(h, jar, "/auth/verify", { method: "sms", code: lastCode(h, "+15550100001") });
    expect(done.headers.get("location")).toBe("/");
    expect(jar.values.get("__Host-session")).not.toBe(before);
    const ok = await get(h, jar, "/api/sensitive");
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { amr: string[] }).amr).toContain("mfa");
  });

  it("M01 a SECOND_FACTOR value outside never|always|when-enrolled fails closed", async () => {
    const h = await harness({ SECOND_FACTOR: "sometimes" });
    const res = await h.fetch("/login");
    expect(res.status).toBe(500);
  });
});
