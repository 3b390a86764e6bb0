import { describe, expect, it } from "vitest";
import { bearerChallenge, TransmitError } from "../src/index.ts";

describe("bearerChallenge (RFC 6750 section 3)", () => {
  it("sends no error code when the request had no token", () => {
    expect(bearerChallenge()).toBe("Bearer");
    expect(bearerChallenge({ realm: "api" })).toBe('Bearer realm="api"');
  });

  it('says error="invalid_token" for a token that failed verification', () => {
    const failed = new TransmitError("token_invalid", "The token is invalid: expired");
    expect(bearerChallenge({ realm: "api", error: failed })).toBe('Bearer realm="api", error="invalid_token"');
    expect(bearerChallenge({ error: "invalid_token", errorDescription: "The access token expired" })).toBe(
      'Bearer error="invalid_token", error_description="The access token expired"',
    );
  });

  it("adds no error code for failures that are not the token's fault (JWKS outage, timeout)", () => {
    const outage = new TransmitError("upstream_unavailable", "Transmit is unavailable");
    expect(bearerChallenge({ realm: "api", error: outage })).toBe('Bearer realm="api"');
  });

  it("carries scope for insufficient_scope", () => {
    expect(bearerChallenge({ error: "insufficient_scope", scope: "read write" })).toBe(
      'Bearer scope="read write", error="insufficient_scope"',
    );
  });

  it("keeps quotes, backslashes, control and non-ASCII characters out of parameter values", () => {
    const value = bearerChallenge({ realm: 'a"b\\c\r\nd', errorDescription: "ünïcode\u0000" });
    expect(value).toBe('Bearer realm="abcd", error_description="ncode"');
  });
});
