import { describe, expect, it } from "vitest";
import { createTransmitClient, type TransmitClient, type TransmitClientOptions, TransmitError } from "../src/index.ts";
import { createLoginClient } from "../src/login.ts";
import { caught, clientToken, FakeFetch, LOGIN_ENTRIES, makeClient } from "./helpers.ts";

function configError(
  options: Partial<TransmitClientOptions>,
  fake = new FakeFetch(),
  create: (options: TransmitClientOptions) => unknown = createTransmitClient,
): TransmitError {
  try {
    create({
      clientId: "id",
      clientSecret: "secret",
      fetch: fake.fetch,
      ...options,
    } as TransmitClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TransmitError);
    expect(fake.calls).toHaveLength(0);
    return error as TransmitError;
  }
  throw new Error("expected a configuration error");
}

describe("configuration validation (before any request)", () => {
  it("rejects an unknown region", () => {
    expect(configError({ region: "mars" as "eu" }).code).toBe("configuration");
  });

  it("requires a region or a baseUrl", () => {
    expect(configError({}).code).toBe("configuration");
  });

  it("requires a client id and secret", () => {
    expect(configError({ region: "eu", clientId: "" }).code).toBe("configuration");
    expect(configError({ region: "eu", clientSecret: "" }).code).toBe("configuration");
  });

  it("rejects non-https base URLs, unless loopback is explicitly allowed", () => {
    for (const baseUrl of [
      "http://api.eu.transmitsecurity.io",
      "http://127.0.0.1:4010/eu",
      "ftp://example.com",
      "not a url",
      "https://user:pass@example.com",
      "https://example.com/?x=1",
    ]) {
      expect(configError({ baseUrl }).code).toBe("configuration");
    }
    expect(configError({ baseUrl: "http://10.0.0.5:4010", allowInsecureLoopback: true }).code).toBe("configuration");
    expect(configError({ baseUrl: "http://evil.example", allowInsecureLoopback: true }).code).toBe("configuration");
    for (const baseUrl of ["http://127.0.0.1:4010/eu", "http://localhost:4010", "http://[::1]:4010/us"]) {
      expect(
        createTransmitClient({ baseUrl, clientId: "i", clientSecret: "s", allowInsecureLoopback: true }).root,
      ).toBe(baseUrl);
    }
  });

  it("validates the login options the same way in core/login (createLoginClient)", () => {
    const bad: Partial<TransmitClientOptions>[] = [
      { region: "mars" as "eu" },
      {},
      { region: "eu", clientId: "" },
      { region: "eu", clientSecret: "" },
      { baseUrl: "http://api.eu.transmitsecurity.io" },
      { baseUrl: "https://example.com/?x=1" },
      { baseUrl: "http://evil.example", allowInsecureLoopback: true },
      { region: "eu", timeoutMs: 0 },
      { region: "eu", tokenPath: "oidc/token" },
      { region: "eu", maxBodyBytes: { tokens: 0 } },
      null as unknown as Partial<TransmitClientOptions>,
    ];
    for (const options of bad) {
      expect(configError(options, new FakeFetch(), createLoginClient).code).toBe("configuration");
    }
    const client = createLoginClient({
      baseUrl: "http://127.0.0.1:4010/eu",
      clientId: "i",
      clientSecret: "s",
      allowInsecureLoopback: true,
    });
    expect(client.root).toBe("http://127.0.0.1:4010/eu");
    expect(createLoginClient({ region: "ca", clientId: "i", clientSecret: "s" }).region).toBe("ca");
  });

  it("applies the https rule to jwksUrl too", () => {
    expect(configError({ region: "eu", jwksUrl: "http://keys.example/jwks" }).code).toBe("configuration");
  });

  it("rejects a non-positive timeout, a bad tokenPath and unsupported algorithms", () => {
    expect(configError({ region: "eu", timeoutMs: 0 }).code).toBe("configuration");
    expect(configError({ region: "eu", tokenPath: "oidc/token" }).code).toBe("configuration");
    expect(configError({ region: "eu", algorithms: ["HS256" as "RS256"] }).code).toBe("configuration");
  });

  it("exposes the region's root and issuer defaults", () => {
    const client = createTransmitClient({ region: "ca", clientId: "i", clientSecret: "s" });
    expect(client.root).toBe("https://api.ca.transmitsecurity.io");
    expect(client.region).toBe("ca");
  });
});

describe("input validation (before any request)", () => {
  const cases: [string, (c: TransmitClient) => Promise<unknown>][] = [
    ["empty username", (c) => c.passwords.authenticate({ username: "", password: "pw" })],
    ["empty password", (c) => c.passwords.authenticate({ username: "alice", password: "" })],
    ["missing password", (c) => c.passwords.authenticate({ username: "alice" } as never)],
    ["non-string username", (c) => c.passwords.authenticate({ username: 42, password: "pw" } as never)],
    [
      "unknown usernameType",
      (c) => c.passwords.authenticate({ username: "a", password: "b", usernameType: "id" } as never),
    ],
    ["missing input", (c) => c.passwords.authenticate(undefined as never)],
    ["empty reset token", (c) => c.passwords.reset({ resetToken: "", newPassword: "x" })],
    ["empty new password", (c) => c.passwords.reset({ resetToken: "r", newPassword: "" })],
    ["empty session id (authenticate)", (c) => c.sessions.authenticate({ sessionId: "" })],
    ["empty session id (logout)", (c) => c.sessions.logout("")],
    ["empty refresh token", (c) => c.tokens.refresh("")],
  ];
  for (const [name, call] of cases) {
    it(`rejects ${name} with invalid_request and sends nothing`, async () => {
      const fake = new FakeFetch().on("/oidc/token", clientToken());
      const { client } = makeClient(fake);
      const error = (await caught(() => call(client))) as TransmitError;
      expect(error).toBeInstanceOf(TransmitError);
      expect(error.code).toBe("invalid_request");
      expect(fake.calls).toHaveLength(0);
    });
  }

  // The login cases again through each entry point (the full client is covered above too; kept for symmetry).
  const loginCases = cases.slice(0, 6);
  for (const [entry, make] of LOGIN_ENTRIES) {
    for (const [name, call] of loginCases) {
      it(`rejects ${name} with invalid_request and sends nothing [${entry}]`, async () => {
        const fake = new FakeFetch().on("/oidc/token", clientToken());
        const { client } = make(fake);
        const error = (await caught(() => call(client as TransmitClient))) as TransmitError;
        expect(error).toBeInstanceOf(TransmitError);
        expect(error.code).toBe("invalid_request");
        expect(fake.calls).toHaveLength(0);
      });
    }
  }
});
