// One deadline covers every awaited step: a dependency that never settles (and ignores the abort signal) costs one
// call its deadline, never more, and never breaks the calls after it.
import { describe, expect, it } from "vitest";
import type { TokenCache, TransmitError } from "../src/index.ts";
import {
  CLIENT_ID,
  caught,
  clientToken,
  createTestKey,
  FakeFetch,
  itEachEntry,
  json,
  jwks,
  makeClient,
  type Responder,
  signToken,
  userTokens,
} from "./helpers.ts";

const login = { username: "alice", password: "pw" };
const ISSUER = "https://eu.userid.security";

/** The deadline of calls that meet a hung dependency; the calls after them use the default (10 s). */
const short = { timeoutMs: 40 };

/** Never answers and ignores the abort signal. */
const deaf: Responder = () => new Promise<Response>(() => {});

/** A memory store whose methods can be made to hang (never settle) a number of times. */
function hangingStore() {
  const values = new Map<string, string>();
  const hangs = { get: 0, set: 0, delete: 0 };
  const never = new Promise<never>(() => {});
  const store: TokenCache = {
    get: async (key) => (hangs.get-- > 0 ? never : values.get(key)),
    set: async (key, value) => {
      if (hangs.set-- > 0) return never;
      values.set(key, value);
    },
    delete: async (key) => {
      if (hangs.delete-- > 0) return never;
      values.delete(key);
    },
  };
  return { store, hangs, values };
}

describe("one deadline over every awaited step", () => {
  it("ends a call whose fetch ignores the abort signal at the deadline", async () => {
    const fake = new FakeFetch().on("/oidc/token", deaf);
    const { client } = makeClient(fake, { timeoutMs: 30 });
    const error = (await caught(() => client.clientAccessToken())) as TransmitError;
    expect(error.code).toBe("timeout");
  });

  it("ends a call whose fetch ignores the abort signal as soon as the caller aborts", async () => {
    const fake = new FakeFetch().on("/oidc/token", deaf);
    const { client } = makeClient(fake, { timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = client.clientAccessToken({ signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect(((await caught(() => pending)) as TransmitError).code).toBe("aborted");
  });

  itEachEntry(
    "ends a call whose tokenCache.get never settles at the deadline, and the next call works",
    (makeClient) => async () => {
      const { store, hangs } = hangingStore();
      hangs.get = 1;
      const fake = new FakeFetch().on("/oidc/token", clientToken("t")).on("/password/authenticate", userTokens());
      const { client } = makeClient(fake, { tokenCache: store });
      expect(((await caught(() => client.passwords.authenticate(login, short))) as TransmitError).code).toBe("timeout");
      expect((await client.passwords.authenticate(login)).accessToken).toBe("user-access-token");
    },
  );

  for (const shareInFlight of [true, false]) {
    it(`recovers from a tokenCache.set that hangs once (shareInFlight ${shareInFlight})`, async () => {
      const { store, hangs } = hangingStore();
      hangs.set = 1;
      const fake = new FakeFetch().on("/oidc/token", clientToken("t")).on("/password/authenticate", userTokens());
      const { client } = makeClient(fake, { tokenCache: store, shareInFlight });
      // The first call got a token but spent its deadline waiting for the store: it ends, it does not hang.
      expect(((await caught(() => client.passwords.authenticate(login, short))) as TransmitError).code).toBe("timeout");
      // The next calls are not stuck behind it: they fetch afresh, and the working store caches the token.
      expect((await client.passwords.authenticate(login)).accessToken).toBe("user-access-token");
      expect((await client.passwords.authenticate(login)).accessToken).toBe("user-access-token");
      expect(fake.to("/oidc/token")).toHaveLength(2);
      expect(fake.to("/password/authenticate")).toHaveLength(2);
    });
  }

  it("returns the token even when the store fails to save it", async () => {
    const store: TokenCache = {
      get: async () => undefined,
      set: () => Promise.reject(new Error("store down")),
    };
    const fake = new FakeFetch().on("/oidc/token", clientToken("t"));
    const { client } = makeClient(fake, { tokenCache: store });
    expect(await client.clientAccessToken()).toBe("t");
  });

  it("ends a call whose tokenCache.delete never settles (rejected client token) at the deadline", async () => {
    const { store, hangs } = hangingStore();
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken("t1"), clientToken("t2"))
      .on("/password/authenticate", json({ message: "Invalid token", error_code: 401 }, 401), userTokens());
    const { client } = makeClient(fake, { tokenCache: store });
    await client.clientAccessToken();
    hangs.delete = 1;
    expect(((await caught(() => client.passwords.authenticate(login, short))) as TransmitError).code).toBe("timeout");
    expect((await client.passwords.authenticate(login)).accessToken).toBe("user-access-token");
  });

  it("drops a shared token fetch that outlived its starter's deadline: the next caller starts afresh", async () => {
    const fake = new FakeFetch().on("/oidc/token", deaf, clientToken("fresh"));
    const { client } = makeClient(fake, { shareInFlight: true });
    expect(((await caught(() => client.clientAccessToken({ timeoutMs: 30 }))) as TransmitError).code).toBe("timeout");
    expect(await client.clientAccessToken({ timeoutMs: 5000 })).toBe("fresh");
    expect(fake.to("/oidc/token")).toHaveLength(2);
  });

  for (const shareInFlight of [true, false]) {
    it(`recovers from a JWKS fetch that hung once (shareInFlight ${shareInFlight})`, async () => {
      const key = await createTestKey("kid-a");
      const fake = new FakeFetch().on("/cis/oidc/jwks", deaf, jwks(key));
      const { client, clock } = makeClient(fake, { shareInFlight });
      const jwt = await signToken(key, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: clock.ms });
      expect(((await caught(() => client.tokens.verifyIdToken(jwt, short))) as TransmitError).code).toBe("timeout");
      expect((await client.tokens.verifyIdToken(jwt)).iss).toBe(ISSUER);
      expect(fake.calls).toHaveLength(2);
    });
  }
});
