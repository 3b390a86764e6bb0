// Home-region routing (issue 14): a region is a tenant, so a login goes to the region chosen on the form, else the
// account's home region, else the browser's remembered region, else the nearest. Never to a second region.
import { describe, expect, it } from "vitest";
import { CITIES, type Harness, harness, login, ORIGIN, sessionCookie } from "./helpers.ts";

/** An account that exists only in the EU tenant (the emulator creates it there and nowhere else). */
const ELSA = { username: "elsa.eu-only", password: "Elsa-Only-In-EU-7!" };

async function withEuOnlyAccount(overrides: Record<string, string> = {}): Promise<Harness> {
  const h = await harness({ ALLOW_REGION_OVERRIDE: "true", ...overrides });
  await h.emulator.addUser("eu", { username: ELSA.username, password: ELSA.password });
  return h;
}

/** A form post from the sign-in page, as a browser without JavaScript sends it. */
function formLogin(h: Harness, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return h.fetch("/auth/login", {
    method: "POST",
    cf: {},
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

const fromUS = { "x-debug-country": "US" };

/** A failed form post answers 303 to the page with a flash cookie (POST-redirect-GET): the page the browser shows. */
async function pageAfter(h: Harness, res: Response, headers: Record<string, string> = {}): Promise<string> {
  expect(res.status).toBe(303);
  const flash = sessionCookie(res, "__Host-flash");
  const cookie = [flash, headers.cookie].filter(Boolean).join("; ");
  const page = await h.fetch(res.headers.get("location")!, { cf: {}, headers: { ...headers, cookie } });
  return page.text();
}
const regionCookieOf = (res: Response) => res.headers.getSetCookie().find((l) => l.startsWith("__Host-region="));

describe("home-region routing: an account that exists only in EU, signing in from the US", () => {
  it("a new browser is sent to the nearest region (US), told which region was tried, and signs in by choosing EU", async () => {
    const h = await withEuOnlyAccount();
    const first = await formLogin(h, { ...ELSA, region: "" }, fromUS);
    expect(first.headers.get("x-transmit-region")).toBe("us");
    expect(sessionCookie(first, "__Host-session")).toBeUndefined();
    const page = await pageAfter(h, first, fromUS);
    expect(page).toContain("We tried United States (US)");
    expect(page).toMatch(/<select id="region" name="region"/);
    // Never retried elsewhere: the password went to US only.
    expect(h.calls("password.authenticate", "us")).toBe(1);
    expect(h.calls("password.authenticate", "eu")).toBe(0);

    const chosen = await formLogin(h, { ...ELSA, region: "eu" }, fromUS);
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get("x-transmit-region")).toBe("eu");
    expect(sessionCookie(chosen)).toBeTruthy();
    expect(regionCookieOf(chosen)).toBe("__Host-region=eu; Max-Age=34560000; Path=/; HttpOnly; Secure; SameSite=Lax");
    expect(h.calls("password.authenticate", "eu")).toBe(1);
    expect(h.calls("password.authenticate")).toBe(2);
  });

  it("a browser that signed in before (remembered region) goes to EU", async () => {
    // A fresh harness: the account has no home region yet, only the browser remembers.
    const h = await withEuOnlyAccount();
    const res = await login(h, ELSA, { cf: {}, headers: { ...fromUS, cookie: "__Host-region=eu" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    expect(h.calls("password.authenticate", "us")).toBe(0);
  });

  it("the account's home region, learnt at its last success, routes a new browser with no choice", async () => {
    const h = await withEuOnlyAccount();
    expect((await formLogin(h, { ...ELSA, region: "eu" }, fromUS)).status).toBe(303);
    // Another browser (no cookie), from the US, "automatic": the account's throttle object knows the home region.
    const res = await login(h, ELSA, { cf: {}, headers: fromUS });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    expect(h.calls("password.authenticate", "us")).toBe(0);
    // The traveller (docs/regions.md, "The hand-over"): the EU login was handed to the account's EU object, which
    // told the account's object outside the EU the home region after the answer. The new browser's login went first
    // to that object (the guess was US), which sent it on, unread, to the EU object. No object was addressed by
    // the username.
    const throttle = h.objectCalls.filter((c) => c.binding === "ACCOUNT_THROTTLE");
    expect(throttle.map((c) => `${c.method}/${c.phase}/${c.jurisdiction ?? "-"}${c.via ? "/account" : ""}`)).toEqual([
      "fetch/request/eu",
      "point/deferred/-/account",
      // The EU object marks the tell done only once it succeeded (attack4 F6): its own object, after the answer.
      "told/deferred/eu/account",
      "fetch/request/-",
      "fetch/request/eu",
    ]);
    for (const call of h.objectCalls) expect(call.name.toLowerCase()).not.toContain("elsa");
  });

  it("a choice on the form beats the home region and the cookie; a wrong choice is answered, never retried", async () => {
    const h = await withEuOnlyAccount();
    expect((await formLogin(h, { ...ELSA, region: "eu" }, fromUS)).status).toBe(303);
    const res = await formLogin(h, { ...ELSA, region: "us" }, { ...fromUS, cookie: "__Host-region=eu" });
    expect(res.headers.get("x-transmit-region")).toBe("us");
    // The person chose: the page keeps the choice and does not lecture about the region.
    const page = await pageAfter(h, res, fromUS);
    expect(page).not.toContain("We tried");
    expect(page).toContain('<option value="us" selected="">');
    expect(h.calls("password.authenticate", "eu")).toBe(1);
  });

  it("an unconfigured or malformed region (form, JSON or cookie) is ignored: nothing the client sends adds a host", async () => {
    const h = await withEuOnlyAccount({ TRANSMIT_CA_CLIENT_ID: "", TRANSMIT_CA_CLIENT_SECRET: "" });
    const cases = [
      [{ region: "ca" }, ""],
      [{ region: "sandbox" }, ""],
      [{ region: ["eu"] }, ""],
      [{}, "__Host-region=ca"],
      [{}, "__Host-region=EU"],
      [{}, "region=eu"],
    ] as const;
    for (const [i, [extra, cookie]] of cases.entries()) {
      // A username of its own per case: each wrong attempt counts against its account (3 untrusted per window).
      const body = { username: `elsa-${i}`, password: ELSA.password, ...extra };
      const res = await login(h, body, { cf: {}, headers: { ...fromUS, ...(cookie ? { cookie } : {}) } });
      expect(res.headers.get("x-transmit-region")).toBe("us");
    }
    expect(h.calls("password.authenticate", "ca")).toBe(0);
    expect(h.calls("password.authenticate", "eu")).toBe(0);
  });

  it("a JSON login can name the region too", async () => {
    const h = await withEuOnlyAccount();
    const res = await login(h, { ...ELSA, region: "eu" }, { cf: CITIES.newYork });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    expect(regionCookieOf(res)).toMatch(/^__Host-region=eu;/);
  });

  it("a failure in a region that came from the account or the browser names the region tried too (no tell-tale)", async () => {
    // Whether or not the username has a home region, the failure page looks the same for the same region: the page
    // never tells a stranger whether an account exists.
    const h = await withEuOnlyAccount();
    const unknown = await pageAfter(
      h,
      await formLogin(h, { username: "nobody", password: "x-Wrong-1!", region: "" }, fromUS),
      fromUS,
    );
    const known = await pageAfter(
      h,
      await formLogin(h, { username: ELSA.username, password: "x-Wrong-1!", region: "" }, fromUS),
      fromUS,
    );
    expect(unknown).toContain("We tried United States (US)");
    expect(known).toContain("We tried United States (US)");
  });
});

describe("a forced password change signs in too", () => {
  it("it remembers the pending record's region on the browser (its region was chosen when the change began)", async () => {
    const h = await withEuOnlyAccount();
    await h.emulator.addUser("eu", { username: "tim.eu-only", password: "Temporary-Only-EU-1!", temporary: true });
    const pending = await formLogin(
      h,
      { username: "tim.eu-only", password: "Temporary-Only-EU-1!", region: "eu" },
      fromUS,
    );
    // The form goes on to the password page (POST-redirect-GET) with the pending change's cookie.
    expect(pending.status).toBe(303);
    const pendingCookie = pending.headers
      .getSetCookie()
      .find((l) => l.startsWith("__Host-session-pw="))!
      .split(";")[0]!;
    const changed = await h.fetch("/auth/password", {
      method: "POST",
      cf: {},
      headers: { cookie: pendingCookie, origin: ORIGIN, "content-type": "application/json", ...fromUS },
      body: JSON.stringify({ newPassword: "Brand-New-Secret-9!" }),
    });
    expect(changed.status).toBe(200);
    expect(regionCookieOf(changed)).toMatch(/^__Host-region=eu;/);
    // The same browser, automatic, from the US: its remembered region decides. (The account's home region is learnt
    // at its next password login: the router does not count the change step as a login attempt.)
    const res = await login(
      h,
      { username: "tim.eu-only", password: "Brand-New-Secret-9!" },
      { cf: {}, headers: { ...fromUS, cookie: "__Host-region=eu" } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    expect(h.calls("password.authenticate", "us")).toBe(0);
  });
});

describe("the sign-in form's region select", () => {
  it("with more than one region: a select whose default is automatic, labelled with the best guess", async () => {
    const h = await harness({ ALLOW_REGION_OVERRIDE: "true" });
    const page = await (await h.fetch("/login", { cf: {}, headers: { "x-debug-country": "NZ" } })).text();
    expect(page).toContain('<label for="region">Region of your account</label>');
    expect(page).toContain('<option value="" selected="">Automatic (Australia)</option>');
    for (const r of ["us", "eu", "ca", "au"]) expect(page).toContain(`<option value="${r}">`);
    // The remembered region is the best guess when there is one.
    const again = await (await h.fetch("/login", { cf: {}, headers: { cookie: "__Host-region=eu" } })).text();
    expect(again).toContain("Automatic (Europe)");
  });

  it("with one region: no select", async () => {
    const h = await harness({
      TRANSMIT_US_CLIENT_ID: "",
      TRANSMIT_US_CLIENT_SECRET: "",
      TRANSMIT_CA_CLIENT_ID: "",
      TRANSMIT_CA_CLIENT_SECRET: "",
      TRANSMIT_AU_CLIENT_ID: "",
      TRANSMIT_AU_CLIENT_SECRET: "",
    });
    const page = await (await h.fetch("/login")).text();
    expect(page).not.toContain("<select");
  });
});
