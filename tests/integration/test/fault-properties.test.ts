/**
 * Random upstream faults (fast-check, fixed seed) against the Hono router with the real core client and the
 * in-process emulator: whatever Transmit does, the user sees only a documented answer (500 only when the token
 * endpoint refuses our client credentials: fail closed), a cookie only with a session, the password POST at most
 * twice (and twice only when Transmit refused the first before processing it), and the whole login within two
 * deadlines (the password call, then the ID token's verification).
 */
import { createTransmitClient } from "@transmit-edge/core";
import { createEmulator, DEMO_PASSWORD, type FaultSpec } from "@transmit-edge/emulator";
import { type AuthEvent, memorySessionStore, passwordLogin } from "@transmit-edge/hono";
import fc from "fast-check";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { HTML_PAGE, UPSTREAM_TEXT } from "./fault-cases.ts";

const ORIGIN = "https://app.example";
const TIMEOUT_MS = 150;

const body = fc.oneof(
  fc.constant(undefined),
  fc.constant(HTML_PAGE),
  fc.constant('{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIi'),
  fc.constant({ token_type: "Bearer" }),
  fc.constant({ error_code: "auth_locked", message: "locked" }),
  fc.constant({ message: "temporary_password", error_code: 403 }),
  fc.jsonValue({ maxDepth: 2 }),
);

const fault = fc.oneof(
  fc.record({ status: fc.constantFrom(200, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504), body }),
  fc.record({ status: fc.constantFrom(429, 503), retry_after: fc.constantFrom(0, 1, 30) }),
  fc.record({ drop: fc.constantFrom("before" as const, "after" as const) }),
  fc.record({ latency_ms: fc.integer({ min: 0, max: 2 * TIMEOUT_MS }) }),
  fc.constant({ hang: true }),
);

const step = fc.record({
  route: fc.constantFrom<FaultSpec["route"]>("password.authenticate", "oidc.token", "jwks"),
  fault,
  times: fc.integer({ min: 1, max: 3 }),
});

describe("E02 E03 E04 random upstream faults (property, fixed seed)", () => {
  it("E02 E03 any mix of upstream faults gives 200/401/403/502/503/504 (500 for refused client credentials), a cookie only with a session, no upstream text, at most two password POSTs", async () => {
    const emulator = createEmulator({ regions: ["eu"] });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 3 }), async (steps) => {
          await emulator.reset();
          for (const s of steps) emulator.injectFault({ route: s.route, region: "eu", times: s.times, ...s.fault });
          // A fresh client per case: cold client token and JWKS, so their faults are met.
          const client = createTransmitClient({
            region: "eu",
            baseUrl: "http://127.0.0.1:4010/eu",
            allowInsecureLoopback: true,
            clientId: "demo-client-eu",
            clientSecret: "demo-secret-eu",
            fetch: (input, init) => emulator.fetch(new Request(input, init)),
            retry: { baseDelayMs: 5, maxRetryAfterMs: 50 },
          });
          const events: AuthEvent[] = [];
          const app = new Hono();
          app.route(
            "/auth",
            passwordLogin({
              client,
              sessions: memorySessionStore(),
              // Throttling is not what this property is about.
              limiter: "none",
              timeoutMs: TIMEOUT_MS,
              onEvent: (e) => {
                events.push(e);
              },
            }),
          );
          const res = await app.request(`${ORIGIN}/auth/login`, {
            method: "POST",
            headers: { origin: ORIGIN, "content-type": "application/json" },
            body: JSON.stringify({ username: "alice", password: DEMO_PASSWORD }),
          });
          const text = await res.text();
          // An ignored deadline would hang (the emulator's hang fault never answers) until the test's own timeout fails
          // the case: reaching this line is the proof that the deadline ended the call, without a wall-clock bound.
          // 500 is the documented answer to a misconfiguration: the token endpoint refusing our client credentials.
          const tokenRefused = emulator
            .requests({ route: "oidc.token" })
            .some((c) => c.status !== null && c.status >= 400 && c.status < 500);
          expect([200, 401, 403, 502, 503, 504, ...(tokenRefused ? [500] : [])]).toContain(res.status);
          const cookies = res.headers.getSetCookie();
          if (res.status === 200) expect(cookies).toHaveLength(1);
          else if (res.status !== 403) expect(cookies).toHaveLength(0);
          expect(text).not.toMatch(UPSTREAM_TEXT);
          const calls = emulator.requests({ route: "password.authenticate" });
          expect(calls.length).toBeLessThanOrEqual(2);
          // A second password POST only after Transmit refused the first one before processing it.
          if (calls.length === 2) expect([401, 429, 503]).toContain(calls[0]!.status);
          expect(events.filter((e) => e.type === "login")).toHaveLength(1);
        }),
        { numRuns: Number(process.env.FUZZ_RUNS) || 60, seed: Number(process.env.FUZZ_SEED) || 20261129 },
      );
    } finally {
      emulator.close();
    }
  }, 60_000);
});
