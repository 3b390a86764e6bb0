// attack3: outside review of the login hand-over (account-login.ts, account-throttle.ts). Each test is an attack;
// "known limit F<n>" tests state the current (open) behaviour, so that a fix flips them (see the review report).
import { describe, expect, it } from "vitest";
import { CITIES, type Harness, harness, login } from "./helpers.ts";

/** The victim: an account in the EU tenant. */
const ELSA = { username: "elsa.eu-only", password: "Elsa-Only-In-EU-7!" };
/** The attacker's account in the US tenant under the same username (two tenants, two accounts, one username). */
const MALLORY_AS_ELSA = { username: "elsa.eu-only", password: "Mallory-In-The-US-7!" };
const fromUS = { "x-debug-country": "US" };

async function twoTenantsOneName(): Promise<Harness> {
  const h = await harness({ ALLOW_REGION_OVERRIDE: "true" });
  await h.emulator.addUser("eu", ELSA);
  await h.emulator.addUser("us", MALLORY_AS_ELSA);
  return h;
}

describe("attack3: home pointers across tenants", () => {
  it("known limit F1 (H15): a same-named account in the US tenant flips the EU account's home; the EU password is then sent to the US tenant", async () => {
    const h = await twoTenantsOneName();
    // The victim signs in from Frankfurt (automatic): EU, and the account's home is now eu in both objects.
    expect((await login(h, ELSA, { cf: CITIES.frankfurt })).status).toBe(200);
    // The attacker signs in to the US account of the same name, choosing US on the form (the form's choice skips the
    // home check): the US object records us as the home and tells the EU object (a newer report wins).
    const flip = await login(h, { ...MALLORY_AS_ELSA, region: "us" }, { cf: {}, headers: fromUS, ip: "198.51.100.9" });
    expect(flip.status).toBe(200);
    const euBefore = h.calls("password.authenticate", "eu");
    const usBefore = h.calls("password.authenticate", "us");
    // The victim again, from Frankfurt, automatic, new browser: the EU object answers "home elsewhere" before it
    // reads the body, and the Worker sends the EU password on to the US object and the US tenant.
    const res = await login(h, ELSA, { cf: CITIES.frankfurt });
    // Current behaviour (open): 401 from the US tenant; the EU tenant is never asked.
    expect(res.status).toBe(401);
    expect(res.headers.get("x-transmit-region")).toBe("us");
    expect(h.calls("password.authenticate", "us") - usBefore).toBe(1);
    expect(h.calls("password.authenticate", "eu") - euBefore).toBe(0);
  });
});
