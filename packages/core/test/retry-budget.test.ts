// At most one resend of the password per authenticate, across every retry reason; Retry-After parsed strictly.
import { describe, expect, it } from "vitest";
import type { TransmitError } from "../src/index.ts";
import { MAX_RETRY_AFTER_SEC, parseRetryAfter } from "../src/retry-after.ts";
import { caught, clientToken, FakeFetch, itEachEntry, json, makeClient, text, userTokens } from "./helpers.ts";

const login = { username: "alice", password: "pw" };
const INVALID_TOKEN = json({ message: "Invalid token", error_code: 401 }, 401);
const busy = (retryAfter: string) => text("busy", 503, { "retry-after": retryAfter });

describe("one password resend per authenticate", () => {
  itEachEntry(
    "does not stack the client-token retry on a Retry-After retry (503 RA 0 -> 401 Invalid token -> ...)",
    (makeClient) => async () => {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken("t1"), clientToken("t2"))
        .on("/password/authenticate", busy("0"), INVALID_TOKEN, busy("0"), userTokens());
      const { client } = makeClient(fake);
      const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
      expect(error.code).toBe("unauthorized_client");
      expect(fake.to("/password/authenticate")).toHaveLength(2);
    },
  );

  itEachEntry(
    "does not honour Retry-After after the client-token retry spent the resend (401 Invalid token -> 503 RA 0)",
    (makeClient) => async () => {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken("t1"), clientToken("t2"))
        .on("/password/authenticate", INVALID_TOKEN, busy("0"), userTokens());
      const { client } = makeClient(fake);
      const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
      expect(error.code).toBe("upstream_unavailable");
      expect(fake.to("/password/authenticate")).toHaveLength(2);
    },
  );

  itEachEntry("still spends the one resend on either reason alone", (makeClient) => async () => {
    for (const first of [busy("0"), INVALID_TOKEN]) {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken("t1"), clientToken("t2"))
        .on("/password/authenticate", first, userTokens());
      const { client } = makeClient(fake);
      expect((await client.passwords.authenticate(login)).accessToken).toBe("user-access-token");
      expect(fake.to("/password/authenticate")).toHaveLength(2);
    }
  });

  it("applies the same budget to the other once-sent calls (refresh)", async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken("t1"), clientToken("t2"))
      .on("/token/refresh", busy("0"), INVALID_TOKEN, userTokens());
    const { client } = makeClient(fake);
    await caught(() => client.tokens.refresh("r"));
    expect(fake.to("/token/refresh")).toHaveLength(2);
  });
});

describe("strict Retry-After", () => {
  for (const value of [
    "1.5",
    "-5",
    "+3",
    "1e3",
    "0x10",
    "5 s",
    "soon",
    "",
    "Sun, 06 Nov 1994",
    "2026-01-15T12:00:00Z",
  ]) {
    it(`treats Retry-After ${JSON.stringify(value)} as absent: no resend, no retryAfter`, async () => {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken())
        .on("/password/authenticate", json({ message: "slow down" }, 429, { "retry-after": value }), userTokens());
      const { client } = makeClient(fake);
      const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
      expect(error.code).toBe("rate_limited");
      expect(error.retryAfter).toBeUndefined();
      expect(fake.to("/password/authenticate")).toHaveLength(1);
    });
  }

  itEachEntry("caps a huge Retry-After (no Infinity)", (makeClient) => async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/authenticate", json({}, 429, { "retry-after": "9".repeat(400) }));
    const { client } = makeClient(fake);
    const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
    expect(error.retryAfter).toBe(MAX_RETRY_AFTER_SEC);
    expect(Number.isFinite(error.retryAfter)).toBe(true);
  });

  it("parses the three HTTP-date forms of RFC 9110 as GMT, whatever the runtime's time zone", () => {
    const now = Date.UTC(1994, 10, 6, 8, 49, 0);
    expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now)).toBe(37);
    expect(parseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", now)).toBe(37);
    expect(parseRetryAfter("Sun Nov  6 08:49:37 1994", now)).toBe(37);
    expect(parseRetryAfter("Sun, 06 Nov 1994 08:48:00 GMT", now)).toBe(0); // in the past: retry now
  });

  it("reads a two-digit RFC 850 year as the most recent matching year, never more than 50 years ahead", () => {
    const now = Date.UTC(2026, 0, 15, 12, 0, 0);
    expect(parseRetryAfter("Thursday, 15-Jan-26 12:00:10 GMT", now)).toBe(10);
    expect(parseRetryAfter("Monday, 15-Jan-90 12:00:10 GMT", now)).toBe(0); // 1990, not 2090
  });

  it("rejects impossible dates and malformed HTTP-dates", () => {
    const now = Date.UTC(2026, 0, 15);
    for (const value of [
      "Sun, 31 Feb 2026 08:49:37 GMT",
      "Sun, 06 Nov 2026 24:00:00 GMT",
      "Sun, 06 Foo 2026 08:49:37 GMT",
      "Sun, 06 Nov 2026 08:49:37 UTC",
      "06 Nov 2026 08:49:37 GMT",
      "Sun, 6 Nov 2026 08:49:37 GMT",
      // The forms do not mix: an IMF date ending with a year, an asctime date ending with GMT, a long asctime day.
      "Sun, 06 Nov 2026 08:49:37 2026",
      "Sun Nov  6 08:49:37 GMT",
      "Sunday Nov  6 08:49:37 2026",
    ]) {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    }
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });
});

describe("408 from the token endpoint", () => {
  it("is retried like a 5xx and, when it persists, reported as upstream_unavailable (not unauthorized_client)", async () => {
    const fake = new FakeFetch().on("/oidc/token", text("", 408), clientToken("t"));
    const { client } = makeClient(fake);
    expect(await client.clientAccessToken()).toBe("t");
    expect(fake.to("/oidc/token")).toHaveLength(2);
    const always = new FakeFetch().on("/oidc/token", text("", 408));
    const failing = makeClient(always).client;
    const error = (await caught(() => failing.clientAccessToken())) as TransmitError;
    expect(error.code).toBe("upstream_unavailable");
    expect(error.status).toBe(408);
    expect(always.to("/oidc/token")).toHaveLength(3);
  });

  itEachEntry("is not retried for the password POST", (makeClient) => async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/authenticate", text("", 408), userTokens());
    const { client } = makeClient(fake);
    expect(((await caught(() => client.passwords.authenticate(login))) as TransmitError).code).toBe(
      "upstream_unavailable",
    );
    expect(fake.to("/password/authenticate")).toHaveLength(1);
  });
});
