// Per-call options and caller input are checked before anything is sent; only TransmitError is ever thrown.
import { describe, expect, it } from "vitest";
import { type RequestOptions, TransmitError } from "../src/index.ts";
import { MAX_PASSWORD_LENGTH } from "../src/requests.ts";
import { caught, clientToken, FakeFetch, itEachEntry, makeClient, userTokens } from "./helpers.ts";

describe("per-call options", () => {
  const bad: [string, unknown][] = [
    ["timeoutMs NaN", { timeoutMs: Number.NaN }],
    ["timeoutMs 0", { timeoutMs: 0 }],
    ["timeoutMs -5", { timeoutMs: -5 }],
    ["timeoutMs Infinity", { timeoutMs: Number.POSITIVE_INFINITY }],
    ["timeoutMs as a string", { timeoutMs: "100" }],
    ["a signal that is not an AbortSignal", { signal: {} }],
    ["a trace that is not an object", { trace: "00-abc" }],
    ["options that are not an object", 42],
    ["null options", null],
  ];
  for (const [name, options] of bad) {
    it(`rejects ${name} with a configuration TransmitError and sends nothing`, async () => {
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
      const { client } = makeClient(fake);
      const calls: (() => Promise<unknown>)[] = [
        () => client.passwords.authenticate({ username: "a", password: "b" }, options as RequestOptions),
        () => client.clientAccessToken(options as RequestOptions),
        () => client.tokens.verifyIdToken("x.y.z", options as RequestOptions),
      ];
      for (const call of calls) {
        const error = await caught(call);
        expect(error).toBeInstanceOf(TransmitError);
        expect((error as TransmitError).code).toBe("configuration");
      }
      expect(fake.calls).toHaveLength(0);
    });
  }
});

describe("caller input", () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const inputs: [string, Record<string, unknown>][] = [
    ["BigInt claims", { claims: { id_token: { n: 10n } } }],
    ["circular claims", { claims: { id_token: circular } }],
    [
      "claims whose toJSON throws",
      {
        claims: {
          id_token: {
            toJSON: () => {
              throw new Error("boom");
            },
          },
        },
      },
    ],
    ["a password over the length cap", { password: "p".repeat(MAX_PASSWORD_LENGTH + 1) }],
    ["a username over the length cap", { username: "u".repeat(20_000) }],
    ["a request body over 64 KiB", { claims: { id_token: { big: "x".repeat(70_000) } } }],
  ];
  for (const [name, extra] of inputs) {
    it(`rejects ${name} as invalid_request before any request`, async () => {
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
      const { client } = makeClient(fake);
      const error = await caught(() =>
        client.passwords.authenticate({ username: "alice", password: "pw", ...extra } as never),
      );
      expect(error).toBeInstanceOf(TransmitError);
      expect((error as TransmitError).code).toBe("invalid_request");
      expect(fake.calls).toHaveLength(0);
    });
  }

  itEachEntry("accepts a password of exactly the cap and sends it unchanged", (makeClient) => async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
    const { client } = makeClient(fake);
    const password = "p".repeat(MAX_PASSWORD_LENGTH);
    await client.passwords.authenticate({ username: "alice", password });
    expect(JSON.parse(fake.to("/password/authenticate")[0]?.body ?? "{}").password).toBe(password);
  });

  it("caps the new password of a reset the same way", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken());
    const { client } = makeClient(fake);
    const error = (await caught(() =>
      client.passwords.reset({ resetToken: "r", newPassword: "p".repeat(MAX_PASSWORD_LENGTH + 1) }),
    )) as TransmitError;
    expect(error.code).toBe("invalid_request");
    expect(fake.calls).toHaveLength(0);
  });
});
