import { describe, expect, it } from "vitest";
import { DEFAULT_BODY_LIMITS } from "../src/body.ts";
import { createTransmitClient, type TransmitError } from "../src/index.ts";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  caught,
  clientToken,
  createTestKey,
  FakeFetch,
  itEachEntry,
  makeClient,
  type Responder,
  signToken,
  userTokens,
} from "./helpers.ts";

const login = { username: "alice", password: "pw" };
const CHUNK = 16 * 1024;

/**
 * A body streamed in 16 KiB chunks, `total` bytes long (endless when `Infinity`), that counts what the client
 * pulled and whether it cancelled the stream.
 */
function streamed(status: number, total: number, fill = "a") {
  const stats = { pulled: 0, cancelled: false };
  const chunk = new TextEncoder().encode(fill.repeat(CHUNK));
  const responder: Responder = () =>
    new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          const size = Math.min(CHUNK, total - stats.pulled);
          if (size <= 0) return controller.close();
          stats.pulled += size;
          controller.enqueue(size === CHUNK ? chunk : chunk.slice(0, size));
        },
        cancel() {
          stats.cancelled = true;
        },
      }),
      { status, headers: { "content-type": "application/json" } },
    );
  return { responder, stats };
}

describe("bounded reads of upstream bodies", () => {
  itEachEntry(
    "fails an authenticate answer larger than the token-set limit with invalid_response, reading little past it",
    (makeClient) => async () => {
      const big = streamed(200, 4 * DEFAULT_BODY_LIMITS.tokens);
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", big.responder);
      const { client } = makeClient(fake);
      const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
      expect(error.code).toBe("invalid_response");
      expect(error.status).toBe(200);
      expect(error.route).toBe("password.authenticate");
      expect(big.stats.pulled).toBeLessThanOrEqual(DEFAULT_BODY_LIMITS.tokens + 2 * CHUNK);
      expect(big.stats.cancelled).toBe(true);
    },
  );

  itEachEntry(
    "stops an endless body at the limit instead of buffering until the deadline",
    (makeClient) => async () => {
      const endless = streamed(200, Number.POSITIVE_INFINITY);
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", endless.responder);
      const { client } = makeClient(fake, { timeoutMs: 60_000 });
      const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
      expect(error.code).toBe("invalid_response");
      expect(endless.stats.pulled).toBeLessThanOrEqual(DEFAULT_BODY_LIMITS.tokens + 2 * CHUNK);
    },
  );

  it("never caches a client token from an oversized token answer", async () => {
    const big = streamed(200, 2 * DEFAULT_BODY_LIMITS.clientToken);
    const fake = new FakeFetch().on("/oidc/token", big.responder, clientToken("small"));
    const { client } = makeClient(fake);
    expect(((await caught(() => client.clientAccessToken())) as TransmitError).code).toBe("invalid_response");
    expect(fake.to("/oidc/token")).toHaveLength(1); // not retried: the answer was received, it is just unusable
    expect(await client.clientAccessToken()).toBe("small");
    expect(fake.to("/oidc/token")).toHaveLength(2);
  });

  itEachEntry(
    "reads error bodies only up to the error limit (a large 500 is invalid_response, status kept)",
    (makeClient) => async () => {
      const big = streamed(500, 100 * DEFAULT_BODY_LIMITS.error);
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", big.responder);
      const { client } = makeClient(fake);
      const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
      expect(error.code).toBe("invalid_response");
      expect(error.status).toBe(500);
      expect(big.stats.pulled).toBeLessThanOrEqual(DEFAULT_BODY_LIMITS.error + 2 * CHUNK);
    },
  );

  it("fails an oversized JWKS with invalid_response, not token_invalid", async () => {
    const key = await createTestKey("kid-a");
    const big = streamed(200, 2 * DEFAULT_BODY_LIMITS.jwks);
    const fake = new FakeFetch().on("/cis/oidc/jwks", big.responder);
    const { client, clock } = makeClient(fake);
    const jwt = await signToken(key, { iss: "https://eu.userid.security", aud: CLIENT_ID }, { nowMs: clock.ms });
    const error = (await caught(() => client.tokens.verifyIdToken(jwt))) as TransmitError;
    expect(error.code).toBe("invalid_response");
    expect(error.route).toBe("jwks");
    expect(fake.calls).toHaveLength(1);
  });

  itEachEntry("accepts bodies up to the limit, and a larger limit through maxBodyBytes", (makeClient) => async () => {
    const padded = JSON.stringify({ access_token: "a", token_type: "Bearer", expires_in: 3600, pad: "x".repeat(3000) });
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/authenticate", () => new Response(padded, { status: 200 }));
    const tight = makeClient(fake, { maxBodyBytes: { tokens: 1000 } }).client;
    expect(((await caught(() => tight.passwords.authenticate(login))) as TransmitError).code).toBe("invalid_response");
    const roomy = makeClient(fake, { maxBodyBytes: { tokens: padded.length } }).client;
    expect((await roomy.passwords.authenticate(login)).accessToken).toBe("a");
  });

  it("rejects maxBodyBytes values that are not positive integers as configuration", () => {
    for (const tokens of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = (() => {
        try {
          createTransmitClient({
            region: "eu",
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            maxBodyBytes: { tokens },
          });
        } catch (e) {
          return e as TransmitError;
        }
      })();
      expect(error?.code).toBe("configuration");
    }
  });

  itEachEntry("ends the call at its deadline when a body stalls and ignores cancellation", (makeClient) => async () => {
    const stalled: Responder = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"access_token":'));
          },
          pull: () => new Promise<void>(() => {}), // never delivers more
          cancel: () => new Promise<void>(() => {}), // and never acknowledges a cancel
        }),
        { status: 200 },
      );
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", stalled);
    const { client } = makeClient(fake, { timeoutMs: 40 });
    const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
    expect(error.code).toBe("timeout");
    expect(fake.to("/password/authenticate")).toHaveLength(1);
  });

  itEachEntry("still reads small answers whole and as UTF-8", (makeClient) => async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/authenticate", userTokens({ access_token: "tök€n-✓" }));
    const { client } = makeClient(fake);
    expect((await client.passwords.authenticate(login)).accessToken).toBe("tök€n-✓");
  });
  itEachEntry("decodes UTF-8 characters split between chunks whole (one byte per chunk)", (makeClient) => async () => {
    const text = JSON.stringify({ access_token: "tök€n-😀", token_type: "Bearer", expires_in: 3600, session_id: "ß" });
    const bytes = new TextEncoder().encode(`\uFEFF${text}`);
    const responder: Responder = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
            controller.close();
          },
        }),
        { headers: { "content-type": "application/json" } },
      );
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", responder);
    const { client } = makeClient(fake);
    const tokens = await client.passwords.authenticate(login);
    expect(tokens.accessToken).toBe("tök€n-😀");
    expect(tokens.sessionId).toBe("ß");
  });
});
