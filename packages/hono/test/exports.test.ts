// The public surface: exactly these runtime exports.
import { describe, expect, it } from "vitest";
import * as hono from "../src/index.ts";

describe("public surface", () => {
  it("exports exactly the documented runtime values", () => {
    expect(Object.keys(hono).sort()).toEqual([
      "DEFAULT_CLAIMS_REQUEST",
      "cookieSessionStore",
      "jsonLines",
      "lockoutRules",
      "memoryLimiter",
      "memorySessionStore",
      "passwordLogin",
      "problemType",
      "readCookie",
      "requireSession",
      "safeReturnTo",
      "securityHeaders",
      "transmitAuth",
      "windowVerdict",
    ]);
  });

  it("memoryLimiter: sliding window with retryAfter, per scope", async () => {
    let t = 0;
    const limiter = hono.memoryLimiter({ now: () => t, ip: { limit: 2, windowMs: 10_000 } });
    const k = { scope: "ip" as const, key: "192.0.2.1" };
    expect((await limiter.hit(k)).allowed).toBe(true);
    t = 4000;
    expect((await limiter.hit(k)).allowed).toBe(true);
    expect(await limiter.hit(k)).toEqual({ allowed: false, retryAfter: 6 });
    t = 10_001;
    expect((await limiter.hit(k)).allowed).toBe(true);
    expect((await limiter.hit({ scope: "account", key: "192.0.2.1" })).allowed).toBe(true);
    expect((await limiter.hit(k)).allowed).toBe(false);
    await limiter.reset?.(k);
    expect((await limiter.hit(k)).allowed).toBe(true);
  });
});
