// attack4: outside review of issue 14 in the Worker (home-region routing, the hand-over, residency, the two-tier
// client-token cache). Each test is an attack; `it.fails` marks an open finding (it passes the day it is fixed).
// Fixed: F1 (a body `region` on sign-up / forgot password beat the account's home), F2 (a hung shared token object
// held every login to its deadline), F5 (the account's home beat the browser that signed in to the account before: a
// device entry of the exact username now routes ahead of the home), F6 (the other jurisdiction was marked told before
// the tell), F8 (every warm isolate fetched its own token at each rollover: the shared object hands out one refresh
// lease, tokens are renewed ahead). Open: F3 (an EU account's sign-up, reset and second-factor counters outside the
// EU). Known limit: F7 (X-Transmit-Region on 401/429). F4 (territories' residency) is in
// packages/core/test/attack4-residency.test.ts.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Entry, sharedAnswer, tieredTokenCache } from "../src/client-token-cache.ts";
import { CITIES, type Harness, harness, login, ORIGIN } from "./helpers.ts";

function form(
  h: Harness,
  path: string,
  fields: Record<string, string>,
  init: { cf?: Record<string, unknown>; ip?: string } = {},
) {
  return h.fetch(path, {
    method: "POST",
    cf: init.cf ?? CITIES.frankfurt,
    ...(init.ip ? { ip: init.ip } : {}),
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
    body: new URLSearchParams(fields).toString(),
  });
}

describe("attack4: sign-up honours a region field that beats the account's home", () => {
  // The victim: a US account that has signed in here (its home, us, is known in both objects).
  const UMA = { username: "uma@example.com", password: "Uma-Lives-In-US-7!" };

  it("F1 H17 a sign-up naming region=eu for a US user's address creates a second account in EU instead of going to its home (taken)", async () => {
    const h = await harness();
    await h.emulator.addUser("us", { ...UMA, email: UMA.username } as never);
    expect((await login(h, UMA, { cf: CITIES.newYork })).status).toBe(200);
    // docs/regions.md: "for an address whose account already has a home region, [sign-up goes] to that home, where
    // Transmit answers taken". The sign-up form has no region select, but the raw body's `region` is read anyway.
    const res = await form(
      h,
      "/auth/signup",
      { email: UMA.username, password: "Mallory-In-EU-Now-9!", region: "eu" },
      {
        cf: CITIES.frankfurt,
        ip: "198.51.100.66",
      },
    );
    expect(res.status).toBe(303);
    expect(h.calls("users.create", "eu")).toBe(0);
    expect(h.calls("users.create", "us")).toBe(1);
  });

  it("F1 then the US owner's automatic logins from New York are forwarded into the EU tenant (password to the wrong tenant, 401)", async () => {
    const h = await harness();
    await h.emulator.addUser("us", { ...UMA, email: UMA.username } as never);
    expect((await login(h, UMA, { cf: CITIES.newYork })).status).toBe(200);
    h.clock.advance(60);
    await form(
      h,
      "/auth/signup",
      { email: UMA.username, password: "Mallory-In-EU-Now-9!", region: "eu" },
      {
        cf: CITIES.frankfurt,
        ip: "198.51.100.66",
      },
    );
    const usBefore = h.calls("password.authenticate", "us");
    // A new browser of the owner in New York, automatic: her own (default-namespace) object now holds the newer
    // "eu" home told by the attacker's EU sign-up, answers 409 "home elsewhere", and the login goes to the EU tenant.
    const res = await login(h, UMA, { cf: CITIES.newYork });
    expect(h.calls("password.authenticate", "eu")).toBe(0);
    expect(h.calls("password.authenticate", "us") - usBefore).toBe(1);
    expect(res.status).toBe(200);
  });
});

/**
 * A namespace whose objects never answer a read: it stays pending (an object stuck behind a long request or an
 * overloaded location). Writes are answered, so that the harness's deferred work can finish.
 */
function hangingNamespace(inner: DurableObjectNamespace, calls: { n: number }): DurableObjectNamespace {
  return {
    idFromName: (name: string) => inner.idFromName(name),
    idFromString: (s: string) => inner.idFromString(s),
    newUniqueId: () => inner.newUniqueId(),
    jurisdiction: () => hangingNamespace(inner, calls),
    get: () =>
      new Proxy(
        {},
        {
          get: (_t, method) =>
            method === "then"
              ? undefined
              : () => {
                  calls.n++;
                  return method === "readEntry" ? new Promise(() => {}) : Promise.resolve();
                },
        },
      ),
  } as unknown as DurableObjectNamespace;
}

describe("attack4: forgot password and the dev-only headers", () => {
  it("F1 H17 forgot password ignores a region in the body too: the link comes from the account's home", async () => {
    const h = await harness();
    const uma = { username: "uma@example.com", password: "Uma-Lives-In-US-7!" };
    await h.emulator.addUser("us", { ...uma, email: uma.username } as never);
    expect((await login(h, uma, { cf: CITIES.newYork })).status).toBe(200);
    const res = await form(h, "/auth/forgot-password", { username: uma.username, region: "au" }, { cf: CITIES.sydney });
    expect(res.status).toBe(303);
    expect(h.calls("password.reset.email.link", "au")).toBe(0);
    expect(h.calls("password.reset.email.link", "us")).toBe(1);
    const sent = h.emulator.outbox({ to: uma.username });
    expect(sent.length).toBeGreaterThan(0);
  });

  it("A10 with ALLOW_REGION_OVERRIDE off (deployed), X-Debug-Country and X-Debug-Location move no sign-up, forgot password or page guess", async () => {
    const h = await harness();
    const debug = { "x-debug-country": "AU", "x-debug-location": "-33.9,151.2" };
    const signup = await h.fetch("/auth/signup", {
      method: "POST",
      cf: CITIES.frankfurt,
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, ...debug },
      body: new URLSearchParams({ email: "new.person@example.com", password: "Fresh-Account-Pass-9!" }).toString(),
    });
    expect(signup.status).toBe(303);
    expect(h.calls("users.create", "eu")).toBe(1);
    expect(h.calls("users.create", "au")).toBe(0);
    const page = await (await h.fetch("/login", { cf: CITIES.frankfurt, headers: debug })).text();
    const automatic = /<option value="" selected="">([^<]*)<\/option>/.exec(page)?.[1] ?? "";
    expect(automatic).toContain("Europe");
    expect(automatic).not.toContain("Australia");
  });
});

describe("attack4: a slow shared client-token object", () => {
  it("F2 H16 a shared token object that hangs (never answers) does not take every login down: the token is fetched and kept in memory", async () => {
    const hung = { n: 0 };
    const h = await harness(
      { UPSTREAM_TIMEOUT_MS: "2000" },
      { replace: { CLIENT_TOKENS: hangingNamespace(env.CLIENT_TOKENS as unknown as DurableObjectNamespace, hung) } },
    );
    await h.emulator.addUser("eu", { username: "hung", password: "Hung-Object-Pass-7!" });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await login(h, { username: "hung", password: "Hung-Object-Pass-7!" }, { ip: `198.51.100.${90 + i}` });
      statuses.push(res.status);
    }
    // Before the fix: the object that ran the login read the shared tier until the call's whole deadline, then had no
    // time left for the token request: 504 every time, and a hang never backed off (only a rejection did).
    expect(statuses).toEqual([200, 200, 200]);
    expect(h.calls("oidc.token", "eu")).toBe(1);
  }, 30_000);
});

/** Counter calls (not the pointer's `point`/`home`) that reached an account object outside the eu jurisdiction. */
const countersOutsideEu = (h: Harness) =>
  h.objectCalls.filter(
    (c) => c.binding === "ACCOUNT_THROTTLE" && c.jurisdiction !== "eu" && !["point", "home"].includes(c.method),
  );

describe("attack4: residency of an EU account's counters", () => {
  it("F3 H15 forgot password for an EU account from Frankfurt keeps its counter in the eu jurisdiction", async () => {
    const h = await harness();
    await h.emulator.addUser("eu", { username: "erika", password: "Erika-In-EU-Only-7!" });
    expect((await login(h, { username: "erika", password: "Erika-In-EU-Only-7!" })).status).toBe(200);
    h.objectCalls.length = 0;
    const res = await form(h, "/auth/forgot-password", { username: "erika" });
    expect(res.status).toBe(303);
    // Today: hitHome on the account's default-namespace object (device "reset"): the EU account's reset requests
    // are counted and stored outside the EU.
    expect(countersOutsideEu(h)).toEqual([]);
  });

  it("F3 H15 a second factor of an EU login (code sends and code attempts) is counted in the eu jurisdiction", async () => {
    const h = await harness({ SECOND_FACTOR: "always" });
    const erika = { username: "erika", password: "Erika-In-EU-Only-7!", email: "erika@example.com" };
    await h.emulator.addUser("eu", erika as never);
    const first = await form(h, "/auth/login", erika);
    expect(first.headers.get("location")).toBe("/verify");
    const pending = first.headers
      .getSetCookie()
      .map((l) => l.split(";")[0]!)
      .join("; ");
    h.objectCalls.length = 0;
    const send = (path: string, fields: Record<string, string>) =>
      h.fetch(path, {
        method: "POST",
        cf: CITIES.frankfurt,
        headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, cookie: pending },
        body: new URLSearchParams(fields).toString(),
      });
    expect((await send("/auth/verify/send", { method: "email" })).status).toBe(303);
    await send("/auth/verify", { method: "email", code: "000000" });
    // Today: `mfa-send.<key>` and `mfa.<key>` objects in the default namespace (edgeLimiter's `counters`).
    expect(countersOutsideEu(h)).toEqual([]);
  });
});

describe("attack4: the remembered region does not protect against a flipped home", () => {
  /** The owner (US) and a same-named account in AU that someone else signs in to, choosing AU: the newest home. */
  async function flipped() {
    const h = await harness();
    const ursula = { username: "ursula", password: "Ursula-In-The-US-7!" };
    await h.emulator.addUser("us", ursula);
    await h.emulator.addUser("au", { username: "ursula", password: "Mallory-In-AU-7!" });
    const own = await login(h, ursula, { cf: CITIES.newYork });
    expect(own.status).toBe(200);
    // Everything the owner's browser keeps from that login (session, device entry, remembered region).
    const jar = own.headers
      .getSetCookie()
      .map((l) => l.split(";")[0]!)
      .join("; ");
    expect(jar).toContain("__Host-region=us");
    h.clock.advance(60);
    const flip = await login(
      h,
      { username: "ursula", password: "Mallory-In-AU-7!", region: "au" },
      { cf: CITIES.sydney, ip: "198.51.100.120" },
    );
    expect(flip.status).toBe(200);
    return { h, ursula, jar };
  }

  it("F5 H17 the owner's browser that signed in to her account goes back to its region (us), not to the home a same-named AU account reported", async () => {
    const { h, ursula, jar } = await flipped();
    const res = await login(h, ursula, { cf: CITIES.newYork, headers: { cookie: jar } });
    expect(h.calls("password.authenticate", "au")).toBe(1); // the flip only
    expect(res.headers.get("x-transmit-region")).toBe("us");
    expect(res.status).toBe(200);
  });

  it("F5 H17 a device entry of another username does not move the login (the browser's entry names the username exactly)", async () => {
    const { h, jar } = await flipped();
    await h.emulator.addUser("us", { username: "ursula2", password: "Ursula-Two-In-US-7!" });
    await h.emulator.addUser("au", { username: "ursula2", password: "Ursula-Two-In-AU-7!" });
    // ursula2 has never signed in anywhere: her first login from this browser goes by the usual order (Sydney,
    // nearest: au), not by ursula's device entry for us.
    const res = await login(
      h,
      { username: "ursula2", password: "Ursula-Two-In-AU-7!" },
      { cf: CITIES.sydney, headers: { cookie: jar.replace(/__Host-region=us/, "") } },
    );
    expect(res.headers.get("x-transmit-region")).toBe("au");
    expect(res.status).toBe(200);
  });

  it("F5 a browser without the owner's device entry (only the region cookie) still follows the account's home (documented order)", async () => {
    const { h, ursula } = await flipped();
    const res = await login(h, ursula, { cf: CITIES.newYork, headers: { cookie: "__Host-region=us" } });
    // The home (au) beats the plain remembered region: the owner's password goes to the AU tenant and fails there.
    expect(res.headers.get("x-transmit-region")).toBe("au");
    expect(res.status).toBe(401);
  });
});

/** ACCOUNT_THROTTLE whose default-namespace objects refuse `point` the first `failures` times (an unreachable object). */
function pointFails(inner: DurableObjectNamespace, state: { failures: number }): DurableObjectNamespace {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === "get") {
        return (id: DurableObjectId, o?: DurableObjectNamespaceGetDurableObjectOptions) => {
          const stub = target.get(id, o) as unknown as Record<string, (...a: unknown[]) => unknown>;
          return new Proxy(stub, {
            get(s, method) {
              if (method === "point" && state.failures > 0) {
                return () => {
                  state.failures--;
                  return Promise.reject(new Error("Durable Object overloaded"));
                };
              }
              return s[method as string];
            },
          });
        };
      }
      const value = (target as unknown as Record<PropertyKey, unknown>)[prop];
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe("attack4: the pointer to the other jurisdiction is marked told before it is told", () => {
  it("F6 one failed tell leaves the traveller pointer missing for 30 days: the EU user's next login from the US goes to the US tenant", async () => {
    const state = { failures: 0 };
    const h = await harness(
      {},
      { bindings: (e) => ({ ACCOUNT_THROTTLE: pointFails(e.ACCOUNT_THROTTLE as never, state) as never }) },
    );
    const elke = { username: "elke", password: "Elke-Lives-In-EU-7!" };
    await h.emulator.addUser("eu", elke);
    // Her first login, from Frankfurt: the eu object records the home and tells the default-namespace object, whose
    // `point` fails once (overloaded). The told mark was written before the tell.
    state.failures = 1;
    // The harness rethrows the deferred task's failure (on the platform waitUntil only logs it).
    await expect(login(h, elke, { cf: CITIES.frankfurt })).rejects.toThrow("Durable Object overloaded");
    expect(state.failures).toBe(0);
    expect(h.calls("password.authenticate", "eu")).toBe(1);
    // Signing in again from Frankfurt the next day does not tell again (told less than 30 days ago).
    h.clock.advance(24 * 3600);
    expect((await login(h, elke, { cf: CITIES.frankfurt })).status).toBe(200);
    // Travelling: New York, a new browser. With the pointer the US object would send the login on to her eu object;
    // without it her EU password is read by the US object and sent to the US tenant (401).
    h.clock.advance(24 * 3600);
    const res = await login(h, elke, { cf: CITIES.newYork });
    expect(h.calls("password.authenticate", "us")).toBe(0);
    expect(res.status).toBe(200);
  });
});

describe("attack4: what a probe learns about an account's home", () => {
  it("known limit F7 a JSON probe from New York learns from X-Transmit-Region that a username has an EU home, even once the account is throttled (no Transmit call)", async () => {
    const h = await harness();
    const emma = { username: "emma", password: "Emma-Lives-In-EU-7!" };
    await h.emulator.addUser("eu", emma);
    expect((await login(h, emma, { cf: CITIES.frankfurt })).status).toBe(200);
    const probe = (username: string, i: number) =>
      login(h, { username, password: "Wrong-Guess-1!" }, { cf: CITIES.newYork, ip: `198.51.100.${150 + i}` });
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await probe("emma", i);
      seen.push(`${res.status} ${res.headers.get("x-transmit-region")}`);
    }
    const before = h.calls("password.authenticate");
    const throttled = await probe("emma", 9);
    const nobody = await probe("nobody-here", 10);
    // Documented (SECURITY.md, "Region confusion": the region tried says where an account lives), but checklist A01
    // and A07 say the 401 and the 429 have the same headers whether or not the username exists.
    expect(seen).toEqual(["401 eu", "401 eu", "401 eu", "429 eu"]);
    expect(throttled.headers.get("x-transmit-region")).toBe("eu");
    expect(h.calls("password.authenticate") - before).toBe(1); // only the unknown name's probe reached Transmit
    expect(nobody.headers.get("x-transmit-region")).toBe("us");
  });
});

describe("attack4: many isolates at the token's expiry", () => {
  /**
   * 20 isolates sharing one object. The fake object answers with the real object's own rule (`sharedAnswer`) on a
   * fake clock; the real object's lease is tested in alarms.test.ts ("ClientTokenCache lease").
   */
  function fleet() {
    const clock = { t: 1_000_000 };
    const entries = new Map<string, Entry>();
    const leases = new Map<string, number>();
    const object = {
      async readEntry(key: string, leaseMs = 0, after = 0) {
        const e = entries.get(key);
        return sharedAnswer(e && e.expiresAt > clock.t ? e : null, leases, key, clock.t, leaseMs, after);
      },
      async write(key: string, value: string, ttl: number) {
        leases.delete(key);
        entries.set(key, { value, expiresAt: clock.t + ttl * 1000 });
      },
      async remove(key: string) {
        entries.delete(key);
      },
    };
    const namespace = { idFromName: (n: string) => n, get: () => object } as unknown as DurableObjectNamespace<never>;
    const wall = {
      now: () => clock.t,
      sleep: async (ms: number) => {
        clock.t += ms;
        await Promise.resolve();
      },
    };
    const isolates = Array.from({ length: 20 }, () =>
      tieredTokenCache(namespace as never, { name: "eu:client", now: () => clock.t, wall }),
    );
    // The core client's behaviour per request: a miss in both tiers fetches from Transmit, then stores the token.
    let fetches = 0;
    const request = async (cache: (typeof isolates)[number]) => {
      const hit = await cache.get("k");
      if (hit !== undefined) return hit;
      fetches++;
      const token = `token-${fetches}`;
      clock.t += 150; // the token request
      await cache.set("k", token, 3_540);
      return token;
    };
    return { clock, isolates, request, fetches: () => fetches };
  }

  it("F8 H16 at the token's end, 20 warm isolates make one token request between them, not one each (shared lease)", async () => {
    const { clock, isolates, request, fetches } = fleet();
    await isolates[0]!.set("k", "token-0", 3_540);
    for (const cache of isolates) expect(await request(cache)).toBe("token-0");
    // The hour passes with no request at all; then one arrives in each isolate at about the same time.
    clock.t += 3_541_000;
    const tokens = await Promise.all(isolates.map((cache) => request(cache)));
    expect(fetches()).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(["token-1"]));
  });

  it("F8 H16 with steady traffic, the token is renewed ahead by one isolate while the others keep using theirs", async () => {
    const { clock, isolates, request, fetches } = fleet();
    await isolates[0]!.set("k", "token-0", 3_540);
    for (const cache of isolates) await request(cache);
    // Requests keep coming, one per isolate every 5 s, through the token's last minute and past its end.
    clock.t += 3_540_000 - 60_000;
    const seen: string[] = [];
    for (let round = 0; round < 20; round++) {
      for (const cache of isolates) seen.push(String(await request(cache)));
      clock.t += 5_000;
    }
    expect(fetches()).toBe(1);
    // Nobody was left without a token: every answer is the old one or the renewed one.
    expect(new Set(seen)).toEqual(new Set(["token-0", "token-1"]));
    expect(seen.at(-1)).toBe("token-1");
  });

  it("F8 H16 a renewal that fails leaves the others their token; at its end one isolate fetches again, not all", async () => {
    const { clock, isolates, request, fetches } = fleet();
    await isolates[0]!.set("k", "token-0", 3_540);
    for (const cache of isolates) expect(await cache.get("k")).toBe("token-0");
    clock.t += 3_540_000 - 20_000;
    // The first isolate takes the lease and its token request fails (the core client tells the cache).
    expect(await isolates[0]!.get("k")).toBeUndefined();
    isolates[0]!.fetchFailed();
    // The others, asking while the lease is held, keep their token.
    for (const cache of isolates.slice(1)) expect(await cache.get("k")).toBe("token-0");
    expect(fetches()).toBe(0);
    // At the token's end the failed lease has lapsed: one isolate takes it again, the others get its token.
    clock.t += 21_000;
    const tokens = await Promise.all(isolates.map((cache) => request(cache)));
    expect(fetches()).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(["token-1"]));
  });
});
