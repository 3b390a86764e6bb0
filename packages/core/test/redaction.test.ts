import { describe, expect, it } from "vitest";
import { createTransmitClient, TransmitError, type TransmitEvent } from "../src/index.ts";
import {
  CLIENT_SECRET,
  caught,
  clientToken,
  FakeFetch,
  itEachEntry,
  json,
  makeClient,
  networkError,
  userTokens,
} from "./helpers.ts";

const PASSWORD = "pw-SENTINEL-71c2";
const CLIENT_TOKEN = "client-token-SENTINEL-5e1d";
const ACCESS = "access-SENTINEL-aa01";
const ID = "id-SENTINEL-bb02";
const REFRESH = "refresh-SENTINEL-cc03";
const SESSION = "session-SENTINEL-dd04";
const RESET = "reset-SENTINEL-ee05";
const SENTINELS = [PASSWORD, CLIENT_SECRET, CLIENT_TOKEN, ACCESS, ID, REFRESH, SESSION, RESET];

function expectNoSentinel(value: string): void {
  for (const sentinel of SENTINELS) expect(value).not.toContain(sentinel);
}

function serialise(value: unknown): string {
  const error = value instanceof Error ? `${String(value)} ${value.message} ${value.stack ?? ""}` : "";
  return `${JSON.stringify(value)} ${String(value)} ${error}`;
}

const sentinelTokens = userTokens({ access_token: ACCESS, id_token: ID, refresh_token: REFRESH, session_id: SESSION });

describe("redaction", () => {
  itEachEntry(
    "JSON.stringify and String of a TokenSet contain no token or session id, yet the values are readable",
    (makeClient) => async () => {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken(CLIENT_TOKEN))
        .on("/password/authenticate", sentinelTokens);
      const { client } = makeClient(fake);
      const tokens = await client.passwords.authenticate({ username: "alice", password: PASSWORD });
      expectNoSentinel(JSON.stringify(tokens));
      expectNoSentinel(String(tokens));
      expectNoSentinel(JSON.stringify({ nested: [tokens] }));
      expect(JSON.parse(JSON.stringify(tokens))).toEqual({
        tokenType: "Bearer",
        expiresIn: 3600,
        accessToken: "[REDACTED]",
        idToken: "[REDACTED]",
        refreshToken: "[REDACTED]",
        sessionId: "[REDACTED]",
      });
      expect([tokens.accessToken, tokens.idToken, tokens.refreshToken, tokens.sessionId]).toEqual([
        ACCESS,
        ID,
        REFRESH,
        SESSION,
      ]);
      // A deliberate copy keeps the values (for storing them server-side, e.g. in Durable Object storage).
      expect({ ...tokens }.refreshToken).toBe(REFRESH);
      expect(structuredClone(tokens)).toEqual({
        accessToken: ACCESS,
        idToken: ID,
        refreshToken: REFRESH,
        tokenType: "Bearer",
        expiresIn: 3600,
        sessionId: SESSION,
      });
    },
  );

  itEachEntry(
    "errors never contain the reset token, password or secret in JSON, String, message or stack",
    (makeClient) => async () => {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken(CLIENT_TOKEN))
        .on(
          "/password/authenticate",
          json({ message: "temporary_password", error_code: 403, reset_token: RESET }, 403),
        );
      const { client } = makeClient(fake);
      const error = (await caught(() =>
        client.passwords.authenticate({ username: "alice", password: PASSWORD }),
      )) as TransmitError;
      expect(error.resetToken).toBe(RESET);
      expect(Object.keys(error)).not.toContain("resetToken");
      expectNoSentinel(serialise(error));
      expect(JSON.parse(JSON.stringify(error))).toMatchObject({
        name: "TransmitError",
        code: "password_change_required",
        status: 403,
      });
    },
  );

  it("errors of every failure kind and all events are free of sentinels", async () => {
    const events: TransmitEvent[] = [];
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken(CLIENT_TOKEN))
      .on(
        "/password/authenticate",
        json({ message: `bad password ${PASSWORD}`, error_code: 401 }, 401),
        networkError(),
        json({ message: "Invalid token", error_code: 401 }, 401),
        sentinelTokens,
      )
      .on("/token/refresh", json({ message: `refresh ${REFRESH} is invalid` }, 400));
    const { client } = makeClient(fake, { onEvent: (e) => events.push(e) });
    const errors = [
      await caught(() => client.passwords.authenticate({ username: "alice", password: PASSWORD })),
      await caught(() => client.passwords.authenticate({ username: "alice", password: PASSWORD })),
      await caught(() => client.tokens.refresh(REFRESH)),
      await caught(() => client.passwords.authenticate({ username: "alice", password: "" })),
    ];
    await client.passwords.authenticate({ username: "alice", password: PASSWORD });
    for (const error of errors) expectNoSentinel(serialise(error));
    expect(events.length).toBeGreaterThan(5);
    expectNoSentinel(JSON.stringify(events));
  });

  it("keeps the request body of a custom fetch's error out of the error's cause", async () => {
    // A custom fetch that reports failures with the request it was given (some HTTP clients do).
    const leaky = async (url: string, init: RequestInit) => {
      const error = new Error(`request to ${url} failed: ${String(init.body)} ${JSON.stringify(init.headers)}`);
      Object.assign(error, { code: "ECONNRESET" });
      throw error;
    };
    const tokenFetch = makeClient(new FakeFetch(), { fetch: leaky, retry: { maxRetries: 0 } }).client;
    const tokenError = (await caught(() => tokenFetch.clientAccessToken())) as TransmitError;
    expect(tokenError.code).toBe("network");
    const fake = new FakeFetch().on("/oidc/token", clientToken(CLIENT_TOKEN));
    const apiFetch = async (url: string, init: RequestInit) =>
      url.endsWith("/oidc/token") ? fake.fetch(url, init) : leaky(url, init);
    const apiClient = makeClient(fake, { fetch: apiFetch }).client;
    const apiError = (await caught(() =>
      apiClient.passwords.authenticate({ username: "alice", password: PASSWORD }),
    )) as TransmitError;
    // Only the client token in the headers (the body is not echoed): still no secret in the cause.
    const headersOnly = async (url: string, init: RequestInit) => {
      if (url.endsWith("/oidc/token")) return fake.fetch(url, init);
      throw new Error(`request failed with headers ${JSON.stringify(init.headers)}`);
    };
    const headerClient = makeClient(fake, { fetch: headersOnly }).client;
    const headerError = (await caught(() =>
      headerClient.passwords.authenticate({ username: "alice", password: PASSWORD }),
    )) as TransmitError;
    expect(headerError.code).toBe("network");
    for (const error of [tokenError, apiError, headerError]) {
      const cause = error.cause as Error & { code?: string };
      expectNoSentinel(`${serialise(error)} ${serialise(cause)} ${cause.message} ${JSON.stringify(cause)}`);
      if (error !== headerError) expect(cause.code).toBe("ECONNRESET"); // what helps diagnosis stays
    }
  });

  it("configuration errors never echo the client secret", () => {
    let thrown: unknown;
    try {
      createTransmitClient({ baseUrl: `http://${CLIENT_SECRET}.example`, clientId: "id", clientSecret: CLIENT_SECRET });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TransmitError);
    expectNoSentinel(serialise(thrown));
  });
});
