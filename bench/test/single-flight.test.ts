// Runs under vitest (Node), `deno test` (through tools/deno-vitest.ts) and `bun test`.
import { describe, expect, it } from "vitest";
import { concurrentColdLogins } from "../lib/cold-cache.mjs";

describe("client token on a cold cache", () => {
  it("sends exactly 1 token request for 1,000 concurrent logins", async () => {
    const result = await concurrentColdLogins({ logins: 1000 });
    expect(result.succeeded).toBe(1000);
    expect(result.loginRequests).toBe(1000);
    expect(result.tokenRequests).toBe(1);
  });
});
