// Login details a page-based app needs: the claims request sent to Transmit, and a sign-out button that leads back
// to a page.
import { describe, expect, it } from "vitest";
import { DEFAULT_CLAIMS_REQUEST } from "../src/index.ts";
import { browser, loginJson, ORIGIN, setup, signIn } from "./helpers.ts";

describe("claims request", () => {
  it("asks Transmit for the identity claims by default (ID tokens carry only sub otherwise)", async () => {
    const s = setup();
    await loginJson(s.app, { username: "alice", password: "pw-alice" });
    const input = s.fake.calls[0]?.args[0] as { claims?: unknown };
    expect(input.claims).toEqual(DEFAULT_CLAIMS_REQUEST);
    expect(Object.keys((DEFAULT_CLAIMS_REQUEST as { id_token: object }).id_token)).toContain("email");
  });

  it("forwards a configured claims request unchanged, and none with requestClaims: null", async () => {
    const custom = setup({ auth: { requestClaims: { id_token: { roles: null } } } });
    await loginJson(custom.app, { username: "alice", password: "pw-alice" });
    expect((custom.fake.calls[0]!.args[0] as { claims?: unknown }).claims).toEqual({ id_token: { roles: null } });

    const none = setup({ auth: { requestClaims: null } });
    await loginJson(none.app, { username: "alice", password: "pw-alice" });
    expect("claims" in (none.fake.calls[0]!.args[0] as object)).toBe(false);
  });
});

describe("form logout", () => {
  it("a sign-out form post is answered 303 to logoutRedirectTo, with the cookie cleared", async () => {
    const s = setup({ auth: { logoutRedirectTo: "/login" } });
    const cookie = await signIn(s);
    const res = await s.app.request(`${ORIGIN}/auth/logout`, {
      method: "POST",
      headers: browser({ cookie, "content-type": "application/x-www-form-urlencoded" }),
      body: "",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(res.headers.getSetCookie().join("\n")).toMatch(/__Host-session=;.*Max-Age=0/);
  });

  it("a JSON logout still answers 200 { signedOut: true }", async () => {
    const s = setup();
    const cookie = await signIn(s);
    const res = await s.app.request(`${ORIGIN}/auth/logout`, {
      method: "POST",
      headers: browser({ cookie, "content-type": "application/json" }),
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ signedOut: true });
  });

  it("refuses a logoutRedirectTo that is not a local path", () => {
    expect(() => setup({ auth: { logoutRedirectTo: "https://evil.example/" } })).toThrow(/logoutRedirectTo/);
  });
});
