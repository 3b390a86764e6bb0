// Property tests (fast-check, fixed seeds, modest runs): no input produces a 500, and passwords pass untouched.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { browser, ORIGIN, passwordOf, setup, signIn } from "./helpers.ts";

const RUNS = { numRuns: 80, seed: 20260101 };
const PATHS = ["/auth/login", "/auth/password", "/auth/logout", "/auth/refresh"];

/** Characters a Cookie header may carry (visible ASCII, space, tab). */
const cookieChar = fc.integer({ min: 0x20, max: 0x7e }).map((n) => String.fromCharCode(n));
const cookieHeader = fc.oneof(
  fc.string({ unit: cookieChar, maxLength: 300 }),
  fc.string({ unit: cookieChar, maxLength: 200 }).map((v) => `__Host-session=${v}`),
  fc.string({ unit: cookieChar, maxLength: 200 }).map((v) => `__Host-session-pw=${v}; __Host-session=v1.${v}`),
);

/** No lone surrogates (URLSearchParams would replace them with U+FFFD, as browsers do). */
function wellFormed(s: string): boolean {
  return s === new TextDecoder().decode(new TextEncoder().encode(s));
}

describe("B04 properties", () => {
  it("B04 arbitrary JSON bodies never produce a 500", async () => {
    const s = setup();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), fc.jsonValue(), async (path, value) => {
        const res = await s.app.request(`${ORIGIN}${path}`, {
          method: "POST",
          headers: browser({ "content-type": "application/json" }),
          body: JSON.stringify(value),
        });
        expect(res.status).toBeLessThan(500);
      }),
      RUNS,
    );
  });

  it("B04 arbitrary form bodies and raw bytes never produce a 500", async () => {
    const s = setup();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.dictionary(
          fc.constantFrom("username", "password", "newPassword", "returnTo", "__proto__", "x"),
          fc.string(),
        ),
        fc.uint8Array({ maxLength: 600 }),
        fc.constantFrom("application/x-www-form-urlencoded", "application/json", "application/json; charset=utf-8"),
        async (path, fields, bytes, type) => {
          const form = await s.app.request(`${ORIGIN}${path}`, {
            method: "POST",
            headers: browser({ "content-type": "application/x-www-form-urlencoded" }),
            body: new URLSearchParams(fields).toString(),
          });
          expect(form.status).toBeLessThan(500);
          const raw = await s.app.request(`${ORIGIN}${path}`, {
            method: "POST",
            headers: browser({ "content-type": type }),
            body: bytes,
          });
          expect(raw.status).toBeLessThan(500);
        },
      ),
      RUNS,
    );
  });

  it("B04 arbitrary cookie headers never produce a 500 on the router or the guard", async () => {
    for (const store of ["memory", "cookie"] as const) {
      const s = setup({ store });
      const valid = await signIn(s, "alice");
      await fc.assert(
        fc.asyncProperty(cookieHeader, fc.boolean(), async (cookie, withValid) => {
          const header = withValid ? `${cookie}; ${valid}` : cookie;
          for (const [path, method] of [
            ["/auth/session", "GET"],
            ["/api/me", "GET"],
            ["/auth/refresh", "POST"],
          ] as const) {
            const res = await s.app.request(`${ORIGIN}${path}`, { method, headers: browser({ cookie: header }) });
            expect(res.status).toBeLessThan(500);
          }
        }),
        { ...RUNS, numRuns: 40 },
      );
    }
  });

  it("B04 the password reaches upstream byte for byte (JSON: any string; form: any well-formed string)", async () => {
    const s = setup({ auth: { limiter: "none" } });
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", minLength: 1, maxLength: 300 }), async (password) => {
        const before = s.fake.calls.length;
        await s.app.request(`${ORIGIN}/auth/login`, {
          method: "POST",
          headers: browser({ "content-type": "application/json" }),
          body: JSON.stringify({ username: "alice", password }),
        });
        expect(passwordOf(s.fake.calls[before])).toBe(password);
        if (!wellFormed(password)) return;
        await s.app.request(`${ORIGIN}/auth/login`, {
          method: "POST",
          headers: browser({ "content-type": "application/x-www-form-urlencoded" }),
          body: new URLSearchParams({ username: "alice", password }).toString(),
        });
        expect(passwordOf(s.fake.calls[before + 1])).toBe(password);
      }),
      RUNS,
    );
    const long = `${"p".repeat(64)} ünïcödé 🙂 `;
    await s.app.request(`${ORIGIN}/auth/login`, {
      method: "POST",
      headers: browser({ "content-type": "application/json" }),
      body: JSON.stringify({ username: "alice", password: long }),
    });
    expect(passwordOf(s.fake.calls.at(-1))).toBe(long);
  });
});
