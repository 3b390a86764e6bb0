// Open redirect after a form login: the return target is checked after the URL normalisation a browser applies, so no
// Location ever leaves the origin, and no unsafe value reaches a rendered page.
import fc from "fast-check";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { type PageState, safeReturnTo } from "../src/index.ts";
import { loginForm, ORIGIN, setup } from "./helpers.ts";

/** Targets that pass a check of the raw string but normalise to another host, and other classics. */
const ESCAPES = [
  "/.//evil.example/x",
  "/..//evil.example/x",
  "/./..//evil.example",
  "/%2e//evil.example",
  "/%2E%2E//evil.example",
  "/.\\/evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "//evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "https://evil.example/x",
  "javascript:alert(1)",
];

/** Where a browser goes with this Location, from a page of ORIGIN. */
const destination = (location: string | null) => new URL(location ?? "", `${ORIGIN}/auth/login`);

describe("B. return target of a form login", () => {
  it("B01 H04 /.//evil.example/x and other normalisation tricks keep Location on the origin (303 to the default)", async () => {
    const s = setup();
    for (const returnTo of ESCAPES) {
      const res = await loginForm(s.app, { username: "alice", password: "pw-alice", returnTo });
      expect(res.status).toBe(303);
      const location = res.headers.get("location");
      expect({ returnTo, location }).toEqual({ returnTo, location: "/" });
    }
  });

  it("B01 H04 a same-origin target comes back normalised, never in a form another host can be read from", async () => {
    const s = setup();
    const res = await loginForm(s.app, { username: "alice", password: "pw-alice", returnTo: "/a/./b/../c?x=1#top" });
    expect(res.headers.get("location")).toBe("/a/c?x=1#top");
  });

  it("B01 H04 property: whatever returnTo says, the browser stays on the origin", async () => {
    const s = setup({ auth: { limiter: "none" } });
    const pieces = fc.constantFrom(
      "/",
      "//",
      "/.",
      "..",
      "\\",
      "%2e",
      "%2f",
      "evil.example",
      "@",
      ":",
      "?",
      "#",
      "\t",
      "x",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(pieces, { maxLength: 8 }).map((p) => p.join("")),
        async (returnTo) => {
          const res = await loginForm(s.app, { username: "alice", password: "pw-alice", returnTo });
          expect(res.status).toBe(303);
          expect(destination(res.headers.get("location")).origin).toBe(ORIGIN);
        },
      ),
      { numRuns: 150, seed: 20260112 },
    );
  });

  it("B01 H04 a rendered page never gets an unsafe returnTo back (it would be echoed into the form)", async () => {
    const seen: PageState[] = [];
    const render = (_c: unknown, state: PageState) => {
      seen.push(state);
      return new Response("<p>page</p>", { status: state.status, headers: { "content-type": "text/html" } });
    };
    const s = setup({ auth: { render } });
    await loginForm(s.app, { username: "alice", password: "wrong", returnTo: "/.//evil.example/x" });
    await loginForm(s.app, { username: "alice", password: "wrong", returnTo: "/account" });
    expect(seen.map((p) => p.returnTo)).toEqual([undefined, "/account"]);
  });

  it("B01 H04 safeReturnTo (for pages that echo a return target) applies the same rule", async () => {
    const app = new Hono();
    app.get("/login", (c) => c.json({ returnTo: safeReturnTo(c, c.req.query("returnTo")) ?? null }));
    const read = async (value: string) =>
      (await (await app.request(`${ORIGIN}/login?returnTo=${encodeURIComponent(value)}`)).json()).returnTo;
    for (const value of ESCAPES) expect(await read(value)).toBeNull();
    expect(await read("/account?tab=2")).toBe("/account?tab=2");
    expect(await read(`${ORIGIN}/deep`)).toBe("/deep");
  });

  it("B01 H04 redirect options must already be local paths in their normalised form", () => {
    for (const redirectTo of ["/.//evil.example", "//evil.example", "https://evil.example/", "/a/../b"]) {
      expect(() => setup({ auth: { redirectTo } })).toThrow(/redirectTo/);
    }
    expect(() => setup({ auth: { redirectTo: "/home?x=1" } })).not.toThrow();
  });
});
