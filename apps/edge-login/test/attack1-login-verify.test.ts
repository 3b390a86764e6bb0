// attack1 (outside review): the Worker's login when Transmit accepts the password but its tokens cannot be verified.
import { describe, expect, it } from "vitest";
import { ALICE, harness, login, sessionCookie } from "./helpers.ts";

describe("attack1 F1 (Worker): a JWKS outage after a correct password", () => {
  it("F1 the owner's correct passwords during a JWKS outage are not counted as failed guesses, and Transmit's sessions are ended", async () => {
    const h = await harness({ UPSTREAM_TIMEOUT_MS: "300" });
    h.emulator.injectFault({ route: "jwks", status: 503, times: 3 });
    // A cold Worker: the first login's JWKS load fails (with its retries); the failure is remembered briefly.
    for (let i = 0; i < 4; i++) {
      const r = await login(h, ALICE);
      expect({ i, status: r.status }).toEqual({ i, status: 502 });
      expect(sessionCookie(r)).toBeUndefined();
    }
    // Each session Transmit opened for these logins was ended at once.
    expect(h.calls("session.logout")).toBe(h.calls("password.authenticate"));
    // The keys are back: the owner signs in, not throttled by the outage.
    // (The remembered JWKS failure lasts 2 s of the core client's clock.)
    h.clock.advance(5);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const ok = await login(h, ALICE);
    expect(ok.status).toBe(200);
    expect(sessionCookie(ok)).toBeTruthy();
  });
});
