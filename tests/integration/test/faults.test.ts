/**
 * Fault matrix: faults injected into the in-process emulator, each mapped to the TransmitError code the core client
 * documents, with the number of upstream calls it made and the time it took against its deadline.
 */
import type { TransmitClientOptions, TransmitEvent } from "@transmit-edge/core";
import { createEmulator, type Emulator, type FaultSpec } from "@transmit-edge/emulator";
import { generateKeyPair } from "jose";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { calls, clientFor, DEMO_PASSWORD, DEMO_TEMPORARY_PASSWORD, failure, NEW_PASSWORD, timed } from "./helpers.ts";

const emulator: Emulator = createEmulator({ regions: ["eu"] });

beforeEach(async () => {
  await emulator.reset();
});

afterAll(() => emulator.close());

const ALICE = { username: "alice", password: DEMO_PASSWORD };
/** How long core remembers a failed JWKS load when it has no keys (docs/core-reliability.md, "JWKS"). */
const JWKS_FAILURE_TTL_MS = 2000;
/** Deadline of the calls that are expected to time out. */
const TIMEOUT_MS = 300;
/** Generous upper bound for a call that must give up at its deadline (CI machines are slow, not this slow). */
const WITHIN_DEADLINE_MS = TIMEOUT_MS + 1000;
const HTML_PAGE =
  "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";

/** A client whose client token is already cached, so only the route under test talks to the emulator. */
async function warmClient(overrides: Partial<TransmitClientOptions> = {}) {
  const transmit = clientFor(emulator, "eu", overrides);
  await transmit.clientAccessToken();
  return transmit;
}

function inject(route: FaultSpec["route"], fault: Omit<FaultSpec, "route">): void {
  emulator.injectFault({ route, region: "eu", ...fault });
}

/** Asserts a client error carries no upstream body text. */
function expectNoBodyText(message: string): void {
  expect(message).not.toMatch(/<|html|bad gateway|injected fault/i);
}

describe("password.authenticate faults", () => {
  it("times out when the answer is slower than the deadline, after exactly one call", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { latency_ms: 3000 });
    const { value: error, ms } = await timed(() =>
      failure(transmit.passwords.authenticate(ALICE, { timeoutMs: TIMEOUT_MS })),
    );
    expect(error.code).toBe("timeout");
    expect(error.status).toBe(0);
    expect(calls(emulator, "password.authenticate")).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(ms).toBeLessThan(WITHIN_DEADLINE_MS);
  });

  it("succeeds when the latency fits within the deadline", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { latency_ms: 100 });
    const tokens = await transmit.passwords.authenticate(ALICE, { timeoutMs: 2000 });
    expect(tokens.sessionId).toEqual(expect.any(String));
  });

  it("times out on a hanging call, after exactly one call", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { hang: true });
    const { value: error, ms } = await timed(() =>
      failure(transmit.passwords.authenticate(ALICE, { timeoutMs: TIMEOUT_MS })),
    );
    expect(error.code).toBe("timeout");
    expect(calls(emulator, "password.authenticate")).toBe(1);
    expect(ms).toBeLessThan(WITHIN_DEADLINE_MS);
  });

  it("reports aborted when the caller's signal ends a hanging call", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { value: error, ms } = await timed(() =>
      failure(transmit.passwords.authenticate(ALICE, { signal: controller.signal, timeoutMs: 5000 })),
    );
    expect(error.code).toBe("aborted");
    expect(calls(emulator, "password.authenticate")).toBe(1);
    expect(ms).toBeLessThan(1000);
  });

  it.each(["before", "after"] as const)(
    "maps a connection dropped %s processing to network, after one call",
    async (when) => {
      const transmit = await warmClient();
      inject("password.authenticate", { drop: when });
      const error = await failure(transmit.passwords.authenticate(ALICE));
      expect(error.code).toBe("network");
      expect(error.status).toBe(0);
      expect(calls(emulator, "password.authenticate")).toBe(1);
    },
  );

  it("does not retry a wrong password whose answer was dropped (the failure already counted towards lockout)", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { drop: "after", times: 5 });
    for (let i = 0; i < 5; i++) {
      expect((await failure(transmit.passwords.authenticate({ username: "alice", password: "Wrong-1" }))).code).toBe(
        "network",
      );
    }
    expect(calls(emulator, "password.authenticate")).toBe(5);
    expect((await failure(transmit.passwords.authenticate(ALICE))).code).toBe("locked");
  });

  it.each([500, 502, 503, 504])("maps %i to upstream_unavailable without retrying", async (status) => {
    const transmit = await warmClient();
    inject("password.authenticate", { status });
    const error = await failure(transmit.passwords.authenticate(ALICE));
    expect(error.code).toBe("upstream_unavailable");
    expect(error.status).toBe(status);
    expect(calls(emulator, "password.authenticate")).toBe(1);
    expectNoBodyText(error.message);
  });

  it("retries once after 503 with Retry-After: 1 and succeeds", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { status: 503, retry_after: 1 });
    const { value: tokens, ms } = await timed(() => transmit.passwords.authenticate(ALICE));
    expect(tokens.sessionId).toEqual(expect.any(String));
    expect(emulator.requests({ route: "password.authenticate" }).map((c) => c.status)).toEqual([503, 200]);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(3000);
  });

  it("does not wait for a 503 Retry-After longer than maxRetryAfterMs", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { status: 503, retry_after: 30 });
    const { value: error, ms } = await timed(() => failure(transmit.passwords.authenticate(ALICE)));
    expect(error.code).toBe("upstream_unavailable");
    expect(error.retryAfter).toBe(30);
    expect(calls(emulator, "password.authenticate")).toBe(1);
    expect(ms).toBeLessThan(1000);
  });

  it("does not wait for a Retry-After that does not fit the deadline", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { status: 503, retry_after: 2 });
    const { value: error, ms } = await timed(() =>
      failure(transmit.passwords.authenticate(ALICE, { timeoutMs: 1000 })),
    );
    expect(error.code).toBe("upstream_unavailable");
    expect(calls(emulator, "password.authenticate")).toBe(1);
    expect(ms).toBeLessThan(1000);
  });

  it("retries once after 429 with Retry-After and succeeds", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { status: 429, retry_after: 1 });
    const { value: tokens, ms } = await timed(() => transmit.passwords.authenticate(ALICE));
    expect(tokens.accessToken).toEqual(expect.any(String));
    expect(emulator.requests({ route: "password.authenticate" }).map((c) => c.status)).toEqual([429, 200]);
    expect(ms).toBeGreaterThanOrEqual(950);
  });

  it("gives up with rate_limited when the retry after 429 is rate limited too", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { status: 429, retry_after: 1, times: 2 });
    const error = await failure(transmit.passwords.authenticate(ALICE));
    expect(error.code).toBe("rate_limited");
    expect(error.retryAfter).toBe(1);
    expect(calls(emulator, "password.authenticate")).toBe(2);
  });

  it("maps an HTML 502 error page to upstream_unavailable with no HTML in the error", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { status: 502, body: HTML_PAGE });
    const error = await failure(transmit.passwords.authenticate(ALICE));
    expect(error.code).toBe("upstream_unavailable");
    expectNoBodyText(error.message);
    expectNoBodyText(JSON.stringify(error));
    expect(calls(emulator, "password.authenticate")).toBe(1);
  });

  it("maps an HTML page with status 200 to invalid_response with no HTML in the error", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { status: 200, body: HTML_PAGE });
    const error = await failure(transmit.passwords.authenticate(ALICE));
    expect(error.code).toBe("invalid_response");
    expectNoBodyText(error.message);
  });

  it("maps truncated JSON with status 200 to invalid_response", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { status: 200, body: '{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIi' });
    const error = await failure(transmit.passwords.authenticate(ALICE));
    expect(error.code).toBe("invalid_response");
    expect(error.message).not.toContain("eyJ");
    expect(calls(emulator, "password.authenticate")).toBe(1);
  });

  it.each([
    ["no access_token", { token_type: "Bearer", expires_in: 3600, session_id: "s" }],
    ["no expires_in", { access_token: "a.b.c", token_type: "Bearer", session_id: "s" }],
  ])("maps a 200 with %s to invalid_response", async (_name, body) => {
    const transmit = await warmClient();
    inject("password.authenticate", { status: 200, body });
    const error = await failure(transmit.passwords.authenticate(ALICE));
    expect(error.code).toBe("invalid_response");
    expect(calls(emulator, "password.authenticate")).toBe(1);
  });

  it("fails closed on an unrecognised 4xx (HTML 404) as invalid_credentials", async () => {
    const transmit = await warmClient();
    inject("password.authenticate", { status: 404, body: "<html><body>Not Found</body></html>" });
    const error = await failure(transmit.passwords.authenticate(ALICE));
    expect(error.code).toBe("invalid_credentials");
    expect(calls(emulator, "password.authenticate")).toBe(1);
  });
});

describe("client token endpoint faults", () => {
  it("retries a failing token endpoint with backoff, then reports upstream_unavailable without a password call", async () => {
    const events: TransmitEvent[] = [];
    const transmit = clientFor(emulator, "eu", {
      retry: { baseDelayMs: 50 },
      random: () => 0.99,
      onEvent: (e) => events.push(e),
    });
    inject("oidc.token", { status: 503, times: 5 });
    const { value: error, ms } = await timed(() => failure(transmit.passwords.authenticate(ALICE)));
    expect(error.code).toBe("upstream_unavailable");
    expect(error.route).toBe("token");
    expect(calls(emulator, "oidc.token")).toBe(3); // 1 + maxRetries (2)
    expect(calls(emulator, "password.authenticate")).toBe(0);
    const delays = events.flatMap((e) => (e.type === "retry" ? [e.delayMs] : []));
    expect(delays).toEqual([49, 99]); // full jitter under ceilings of 50 and 100 ms
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(ms).toBeLessThan(2000);
  });

  it("recovers when the token endpoint comes back within the retries", async () => {
    const transmit = clientFor(emulator, "eu", { retry: { baseDelayMs: 20 } });
    inject("oidc.token", { status: 503, times: 2 });
    const tokens = await transmit.passwords.authenticate(ALICE);
    expect(tokens.sessionId).toEqual(expect.any(String));
    expect(calls(emulator, "oidc.token")).toBe(3);
    expect(calls(emulator, "password.authenticate")).toBe(1);
  });

  it("retries a dropped token request (nothing is lost by asking again)", async () => {
    const transmit = clientFor(emulator, "eu", { retry: { baseDelayMs: 20 } });
    inject("oidc.token", { drop: "before" });
    await transmit.passwords.authenticate(ALICE);
    expect(calls(emulator, "oidc.token")).toBe(2);
  });

  it("keeps one deadline across the token fetch and the password call", async () => {
    const transmit = clientFor(emulator, "eu");
    inject("oidc.token", { latency_ms: 250 });
    inject("password.authenticate", { latency_ms: 250 });
    const { value: error, ms } = await timed(() => failure(transmit.passwords.authenticate(ALICE, { timeoutMs: 400 })));
    expect(error.code).toBe("timeout");
    expect(calls(emulator, "password.authenticate")).toBe(1);
    expect(ms).toBeLessThan(400 + 1000);
  });

  it("times out on a hanging token endpoint within the deadline", async () => {
    const transmit = clientFor(emulator, "eu");
    inject("oidc.token", { hang: true });
    const { value: error, ms } = await timed(() =>
      failure(transmit.passwords.authenticate(ALICE, { timeoutMs: TIMEOUT_MS })),
    );
    expect(error.code).toBe("timeout");
    expect(calls(emulator, "oidc.token")).toBe(1);
    expect(calls(emulator, "password.authenticate")).toBe(0);
    expect(ms).toBeLessThan(WITHIN_DEADLINE_MS);
  });
});

describe("other routes", () => {
  it("never retries a refresh whose answer was lost: the rotated token is spent", async () => {
    const transmit = await warmClient();
    const login = await transmit.passwords.authenticate(ALICE);
    inject("token.refresh", { drop: "after" });
    expect((await failure(transmit.tokens.refresh(login.refreshToken!))).code).toBe("network");
    expect(calls(emulator, "token.refresh")).toBe(1);
    expect((await failure(transmit.tokens.refresh(login.refreshToken!))).code).toBe("token_invalid");
  });

  it("maps a 503 on refresh to upstream_unavailable after one call", async () => {
    const transmit = await warmClient();
    const login = await transmit.passwords.authenticate(ALICE);
    inject("token.refresh", { status: 503 });
    expect((await failure(transmit.tokens.refresh(login.refreshToken!))).code).toBe("upstream_unavailable");
    expect(calls(emulator, "token.refresh")).toBe(1);
    await transmit.tokens.refresh(login.refreshToken!); // not spent: the 503 answered instead of the operation
  });

  it("maps a 502 on session authenticate to upstream_unavailable after one call", async () => {
    const transmit = await warmClient();
    const login = await transmit.passwords.authenticate(ALICE);
    inject("session.authenticate", { status: 502 });
    expect((await failure(transmit.sessions.authenticate({ sessionId: login.sessionId! }))).code).toBe(
      "upstream_unavailable",
    );
    expect(calls(emulator, "session.authenticate")).toBe(1);
  });

  it("maps a 503 on password reset to upstream_unavailable after one call; the reset token still works", async () => {
    const transmit = await warmClient();
    const required = await failure(
      transmit.passwords.authenticate({ username: "tara", password: DEMO_TEMPORARY_PASSWORD }),
    );
    inject("password.reset", { status: 503 });
    const error = await failure(
      transmit.passwords.reset({ resetToken: required.resetToken!, newPassword: NEW_PASSWORD }),
    );
    expect(error.code).toBe("upstream_unavailable");
    expect(calls(emulator, "password.reset")).toBe(1);
    await transmit.passwords.reset({ resetToken: required.resetToken!, newPassword: NEW_PASSWORD });
  });

  it("retries logout (idempotent) after a 503 and a dropped connection", async () => {
    const transmit = await warmClient({ retry: { baseDelayMs: 20 } });
    const login = await transmit.passwords.authenticate(ALICE);
    inject("session.logout", { status: 503 });
    inject("session.logout", { drop: "before" });
    await transmit.sessions.logout(login.sessionId!);
    expect(calls(emulator, "session.logout")).toBe(3);
    expect((await failure(transmit.sessions.authenticate({ sessionId: login.sessionId! }))).code).toBe(
      "session_not_found",
    );
  });
});

describe("JWKS faults and key rotation", () => {
  it("reports upstream_unavailable when the JWKS stays down, after the retries", async () => {
    const shift = { ms: 0 };
    const transmit = await warmClient({ retry: { baseDelayMs: 20 }, now: () => Date.now() + shift.ms });
    const tokens = await transmit.passwords.authenticate(ALICE);
    inject("jwks", { status: 503, times: 3 });
    const { value: error, ms } = await timed(() => failure(transmit.tokens.verifyIdToken(tokens.idToken!)));
    expect(error.code).toBe("upstream_unavailable");
    expect(error.route).toBe("jwks");
    expect(calls(emulator, "jwks")).toBe(3);
    expect(ms).toBeLessThan(2000);
    // Right after, the failure is remembered (no new fetch); once that memory has expired and the JWKS is back,
    // verification works.
    expect((await failure(transmit.tokens.verifyIdToken(tokens.idToken!))).code).toBe("upstream_unavailable");
    expect(calls(emulator, "jwks")).toBe(3);
    shift.ms += JWKS_FAILURE_TTL_MS;
    expect((await transmit.tokens.verifyIdToken(tokens.idToken!)).sub).toBe("demo-eu-alice");
  });

  it("verifies after one JWKS failure thanks to the retry", async () => {
    const transmit = await warmClient({ retry: { baseDelayMs: 20 } });
    const tokens = await transmit.passwords.authenticate(ALICE);
    inject("jwks", { status: 500 });
    expect((await transmit.tokens.verifyIdToken(tokens.idToken!)).sub).toBe("demo-eu-alice");
    expect(calls(emulator, "jwks")).toBe(2);
  });

  it("times out on a hanging JWKS within the deadline", async () => {
    const transmit = await warmClient();
    const tokens = await transmit.passwords.authenticate(ALICE);
    inject("jwks", { hang: true });
    const { value: error, ms } = await timed(() =>
      failure(transmit.tokens.verifyIdToken(tokens.idToken!, { timeoutMs: TIMEOUT_MS })),
    );
    expect(error.code).toBe("timeout");
    expect(ms).toBeLessThan(WITHIN_DEADLINE_MS);
  });

  it.each([
    ["an HTML page", HTML_PAGE],
    ["a document without keys", { issuer: "https://eu.userid.security" }],
  ])("maps a JWKS 200 with %s to invalid_response", async (_name, body) => {
    const transmit = await warmClient();
    const tokens = await transmit.passwords.authenticate(ALICE);
    inject("jwks", { status: 200, body });
    const error = await failure(transmit.tokens.verifyIdToken(tokens.idToken!));
    expect(error.code).toBe("invalid_response");
    expectNoBodyText(error.message);
  });

  it("picks up a rotated region key by refetching the JWKS for an unknown kid", async () => {
    // The emulator cannot rotate a key in place; two instances of the EU region with different `keys` stand in for
    // the region before and after a rotation, behind one client.
    const keyPair = async (kid: string) => ({ ...(await generateKeyPair("RS256")), kid });
    const before = createEmulator({ regions: ["eu"], keys: { eu: await keyPair("eu-key-1") } });
    const after = createEmulator({ regions: ["eu"], keys: { eu: await keyPair("eu-key-2") } });
    let upstream = before;
    let clockOffsetMs = 0;
    const transmit = clientFor(upstream, "eu", {
      fetch: (input, init) => upstream.fetch(new Request(input, init)),
      now: () => Date.now() + clockOffsetMs,
    });
    try {
      const old = await transmit.passwords.authenticate(ALICE);
      expect((await transmit.tokens.verifyIdToken(old.idToken!)).sub).toBe("demo-eu-alice");

      upstream = after; // the rotation
      const fresh = await transmit.passwords.authenticate(ALICE); // old client token rejected, replaced once
      expect(calls(after, "oidc.token")).toBe(1);
      clockOffsetMs = 31_000; // past the client's 30 s refetch cooldown
      expect((await transmit.tokens.verifyIdToken(fresh.idToken!)).sub).toBe("demo-eu-alice");
      expect(calls(after, "jwks")).toBe(1);
      // The retired key is no longer published: its tokens fail.
      expect((await failure(transmit.tokens.verifyIdToken(old.idToken!))).code).toBe("token_invalid");
    } finally {
      before.close();
      after.close();
    }
  });
});
