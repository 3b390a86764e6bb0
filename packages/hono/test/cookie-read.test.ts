import { Hono } from "hono";
import { generateCookie, getCookie } from "hono/cookie";
import { describe, expect, it } from "vitest";
import { SessionCookies } from "../src/cookies.ts";
import { readCookie } from "../src/index.ts";

/** What `readCookie` and Hono's `getCookie` return for one Cookie header. */
async function both(header: string, name: string): Promise<[unknown, unknown]> {
  const app = new Hono();
  app.get("/", (c) => c.json([readCookie(c, name) ?? null, getCookie(c, name) ?? null]));
  const res = await app.request("/", { headers: { Cookie: header } });
  return (await res.json()) as [unknown, unknown];
}

describe("readCookie: Hono's getCookie rules, without its general parser", () => {
  // Headers an attacker controls: each must read exactly as Hono's helper (the cookie tests were written against it).
  const headers = [
    "__Host-session=abc",
    "a=1; __Host-session=abc; b=2",
    "__Host-session=first; __Host-session=second",
    '__Host-session="quoted"',
    '__Host-session="',
    "__Host-session=bad,value; __Host-session=good",
    "__Host-session=bad;value",
    "__Host-session=%E2%82%AC%ZZ",
    "__Host-session=%",
    "\t__Host-session\t=\t tabbed \t",
    "x__Host-session=prefixed; __Host-session-pw=sibling",
    "__Host-session",
    "__Host-session=",
    "__host-session=case",
    "__Host-session=a=b=c",
    "",
  ];
  for (const header of headers) {
    it(`reads ${JSON.stringify(header)} as getCookie does`, async () => {
      const [ours, hono] = await both(header, "__Host-session");
      expect(ours).toEqual(hono);
    });
  }

  it("SessionCookies writes the Set-Cookie line Hono's generateCookie wrote", () => {
    for (const sameSite of ["Lax", "Strict"] as const) {
      const cookies = new SessionCookies("t", { name: "sid", sameSite });
      for (const [value, maxAge] of [
        ["v.1-_~", 60],
        ["a b;c=d\u00e9", 59.9],
        ["", 0],
        ["x", -5],
        ["x", 99_999_999],
      ] as const) {
        const expected = generateCookie("sid", value, {
          prefix: "host",
          httpOnly: true,
          sameSite,
          maxAge: Math.max(0, Math.min(34_560_000, Math.floor(maxAge))),
        });
        expect(cookies.line("session", value, maxAge)).toBe(expected);
      }
    }
  });
});
