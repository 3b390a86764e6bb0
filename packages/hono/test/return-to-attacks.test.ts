// Outside review: open-redirect payloads against returnTo (each must leave the browser on the origin).
import { describe, expect, it } from "vitest";
import { loginForm, ORIGIN, setup } from "./helpers.ts";

const EVIL = [
  "/%2F%2Fevil.example/x",
  "/%5Cevil.example",
  "/%5C%5Cevil.example",
  "\\\\evil.example",
  "\\/evil.example",
  "/\\evil.example",
  "/ /evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "/.//evil.example",
  "/./\\evil.example",
  "/..//evil.example",
  "/%2e%2e//evil.example",
  "/%2e//evil.example",
  "/.%2F/evil.example",
  "//evil.example",
  "///evil.example",
  "https:evil.example",
  "https:/evil.example",
  "https://app.example@evil.example",
  "//app.example@evil.example",
  "https://app.example/.//evil.example",
  "https://app.example:443//evil.example",
  "http://app.example/x",
  "/\u3002evil.example",
  "/\uff0f\uff0fevil.example",
  "/\u2215\u2215evil.example",
  "\u0000//evil.example",
  " //evil.example",
  "/x/../..//evil.example",
  "/x/..//evil.example",
  "/x/%2e%2e//evil.example",
  "/x/.%2e//evil.example",
  "javascript:alert(1)",
  "data:text/html,x",
  "?x=//evil.example",
  "#//evil.example",
];

describe("attack: returnTo", () => {
  it("B01 H04 no payload sends the browser to another origin", async () => {
    const s = setup();
    // Every payload is tried; the failures are listed together (status and Location per payload).
    const escaped: string[] = [];
    for (const returnTo of EVIL) {
      const res = await loginForm(s.app, { username: "alice", password: "pw-alice", returnTo });
      const loc = res.headers.get("location") ?? "";
      const local = loc.startsWith("/") && !loc.startsWith("//") && !loc.startsWith("/\\");
      if (res.status !== 303 || !local || new URL(loc, "https://app.example/auth/login").origin !== ORIGIN) {
        escaped.push(`${returnTo} -> ${res.status} ${loc}`);
      }
    }
    expect(escaped).toEqual([]);
  });
});
