// attack3: outside review of the login hand-over (account-login.ts, account-throttle.ts). Each test is an attack.
// F1 and F3 (an EU password sent out of the EU for a same-named account of another tenant) are fixed and count for
// H15; F2 (a device cookie of a same-named account in another tenant trusted on the victim's) is fixed and counts for
// A04/H05: device entries are bound to the region (tenant) as well as the exact username.
import { describe, expect, it } from "vitest";
import { CITIES, deviceCookie, type Harness, harness, login, ORIGIN } from "./helpers.ts";

/** The victim: an account in the EU tenant. */
const ELSA = { username: "elsa.eu-only", password: "Elsa-Only-In-EU-7!" };
/** The attacker's account in the US tenant under the same username (two tenants, two accounts, one username). */
const MALLORY_AS_ELSA = { username: "elsa.eu-only", password: "Mallory-In-The-US-7!" };
const fromUS = { "x-debug-country": "US" };

async function twoTenantsOneName(policy?: { passwordSuspensionDuration: number }): Promise<Harness> {
  const h = await harness({ ALLOW_REGION_OVERRIDE: "true" }, policy ? { policy } : {});
  await h.emulator.addUser("eu", ELSA);
  await h.emulator.addUser("us", MALLORY_AS_ELSA);
  return h;
}

describe("attack3: home pointers across tenants", () => {
  it("F1 H15 a same-named account in the US tenant cannot pull the EU account's logins out of the EU", async () => {
    const h = await twoTenantsOneName();
    // The victim signs in from Frankfurt (automatic): EU, and the account's home is now eu in both objects.
    expect((await login(h, ELSA, { cf: CITIES.frankfurt })).status).toBe(200);
    // The attacker signs in to the US account of the same name, choosing US on the form (the form's choice skips the
    // home check): the US object records us as the home and tells the EU object (a newer report wins).
    const flip = await login(h, { ...MALLORY_AS_ELSA, region: "us" }, { cf: {}, headers: fromUS, ip: "198.51.100.9" });
    expect(flip.status).toBe(200);
    const euBefore = h.calls("password.authenticate", "eu");
    const usBefore = h.calls("password.authenticate", "us");
    // The victim again, from Frankfurt, automatic, new browser: the EU object holds the newer "us" report, but an
    // object in the eu jurisdiction never sends a login out of the EU (before the fix: 401 from the US tenant).
    const res = await login(h, ELSA, { cf: CITIES.frankfurt });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    expect(h.calls("password.authenticate", "us") - usBefore).toBe(0);
    expect(h.calls("password.authenticate", "eu") - euBefore).toBe(1);
  });
});

describe("attack3: device cookies across tenants", () => {
  it("F2 A04 H05 a device cookie earned on a same-named account in another tenant is not trusted on the victim's account", async () => {
    // Transmit suspends for an hour after 5 failures in 15 minutes.
    const h = await twoTenantsOneName({ passwordSuspensionDuration: 60 });
    // The attacker signs in to her own US account "elsa.eu-only": her browser gets a device entry for that username
    // in the US tenant.
    const own = await login(h, { ...MALLORY_AS_ELSA, region: "us" }, { cf: {}, headers: fromUS, ip: "198.51.100.9" });
    expect(own.status).toBe(200);
    const device = deviceCookie(own)!;
    expect(device).toBeDefined();
    const guess = { ...ELSA, password: "Wrong-Guess-1!", region: "eu" };
    const statuses: number[] = [];
    // Untrusted guesses at the EU account: 3 per window (below Transmit's 5), then 429.
    for (let i = 0; i < 4; i++) statuses.push((await login(h, guess, { ip: `198.51.100.${20 + i}` })).status);
    // The US account's device cookie names the US tenant: on the EU account it is no device, the guesses stay in
    // the untrusted count (before the fix: counted as the owner's trusted browser, 4 more reached the EU tenant).
    for (let i = 0; i < 4; i++) {
      statuses.push((await login(h, guess, { ip: `198.51.100.${30 + i}`, headers: { cookie: device } })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
    // 3 failures reached the EU tenant, below its lockout of 5.
    expect(h.calls("password.authenticate", "eu")).toBe(3);
    // After the router's window (16 min) the owner, right password, a new browser, EU chosen on the form: signed in.
    h.clock.advance(17 * 60);
    const owner = await login(h, { ...ELSA, region: "eu" }, { cf: CITIES.frankfurt, ip: "192.0.2.50" });
    expect(owner.status).toBe(200);
    expect(owner.headers.get("x-transmit-region")).toBe("eu");
  });
});

describe("attack3: sign-up creates the same-named account of F1 and F2", () => {
  it("F3 H15 signing up an EU user's address from the US creates a US account, but the EU user's logins from the EU stay in the EU", async () => {
    const h = await harness();
    const eva = { username: "eva@example.com", password: "Eva-Lives-In-EU-7!" };
    // Eva's account lives in the EU tenant (created there outside this Worker, or signed in more than 400 days ago).
    await h.emulator.addUser("eu", eva);
    // The attacker, from New York, signs up eva@example.com: no home is known, so the nearest region (US) gets it.
    const signup = await h.fetch("/auth/signup", {
      method: "POST",
      cf: CITIES.newYork,
      ip: "198.51.100.77",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
      body: new URLSearchParams({ email: eva.username, password: "Mallory-Signs-Up-9!" }).toString(),
    });
    expect(signup.headers.get("location")).toBe("/login?signedUp");
    expect(h.calls("users.create", "us")).toBe(1);
    // Eva, from Frankfurt, automatic, right password: her EU object holds the pointer "us" (a newer report wins),
    // but it never sends an EU login out of the EU (before the fix: her password reached the US tenant, 401).
    const res = await login(h, eva, { cf: CITIES.frankfurt });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    expect(h.calls("password.authenticate", "eu")).toBe(1);
    expect(h.calls("password.authenticate", "us")).toBe(0);
  });
});

describe("attack3: the hand-over rebuilds the body it checked", () => {
  it("F4 a form login whose content type names json in a parameter is handed over as the form it was checked as", async () => {
    const h = await harness({ ALLOW_REGION_OVERRIDE: "true" });
    await h.emulator.addUser("eu", ELSA);
    const post = (contentType: string, fields: Record<string, string>) =>
      h.fetch("/auth/login", {
        method: "POST",
        cf: CITIES.frankfurt,
        headers: { "content-type": contentType, origin: ORIGIN },
        body: new URLSearchParams(fields).toString(),
      });
    // The router reads this as a urlencoded form (the media type decides; parameters do not) and checks its fields.
    const odd = await post("application/x-www-form-urlencoded; x=json", ELSA);
    expect(odd.status).toBe(303);
    expect(h.calls("password.authenticate", "eu")).toBe(1);
    // The form's region choice is read the same way: US chosen, US asked (and refused), EU never.
    const chosen = await post("application/x-www-form-urlencoded; x=json", { ...ELSA, region: "us" });
    expect(chosen.headers.get("x-transmit-region")).toBe("us");
    expect(h.calls("password.authenticate", "eu")).toBe(1);
  });
});

describe("attack3: races on the account's object", () => {
  it("parallel guesses (eight tabs, eight addresses) at one account: the object counts them atomically, three reach Transmit", async () => {
    const h = await harness();
    await h.emulator.addUser("eu", ELSA);
    const wrong = { ...ELSA, password: "Wrong-Guess-1!" };
    const all = await Promise.all(
      Array.from({ length: 8 }, (_, i) => login(h, wrong, { cf: CITIES.frankfurt, ip: `198.51.100.${40 + i}` })),
    );
    const statuses = all.map((r) => r.status).sort();
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
    expect(h.calls("password.authenticate", "eu")).toBe(3);
  });
});
