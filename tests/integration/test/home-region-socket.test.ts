/**
 * Issue 14's "done when", over real sockets against `pnpm dev`'s stack (wrangler dev + the emulator CLI): an account
 * that exists only in EU signs in from `X-Debug-Country: US` on a browser that signed in before, and on a new browser
 * by choosing EU on the form; NZ routes to AU, JP and GB to their nearest region. Upstream password calls are counted
 * per region through the emulator's control API: a password never goes to a second region.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedCall } from "@transmit-edge/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without types
import { startDevServers } from "../../../scripts/dev-servers.mjs";

interface DevServers {
  url: string;
  emulatorUrl: string;
  stop(): Promise<void>;
}

let servers: DevServers;
let scratch: string;
let ip = 0;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "edge-login-regions-"));
  servers = await startDevServers({ port: 0, envFile: join(scratch, "dev.vars"), persistTo: join(scratch, "state") });
}, 120_000);

afterAll(async () => {
  await servers?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, 30_000);

async function createUser(region: string, username: string, password: string): Promise<void> {
  const res = await fetch(`${servers.emulatorUrl}/__emulator/${region}/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 201) throw new Error(`creating ${username} in ${region}: ${res.status}`);
}

async function passwordCalls(username: string): Promise<Record<string, number>> {
  const res = await fetch(`${servers.emulatorUrl}/__emulator/requests?route=password.authenticate`);
  const { requests } = (await res.json()) as { requests: (RecordedCall & { body?: { username?: string } })[] };
  const out: Record<string, number> = {};
  for (const r of requests) if (r.body?.username === username) out[r.region] = (out[r.region] ?? 0) + 1;
  return out;
}

/** The sign-in form as a browser posts it. */
function formLogin(fields: Record<string, string>, headers: Record<string, string>): Promise<Response> {
  ip++;
  return fetch(`${servers.url}/auth/login`, {
    method: "POST",
    redirect: "manual",
    headers: {
      origin: servers.url,
      "content-type": "application/x-www-form-urlencoded",
      "cf-connecting-ip": `198.18.7.${ip}`,
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

const US = { "x-debug-country": "US" };

describe("home-region routing in pnpm dev (issue 14, done when)", () => {
  it("a new browser in the US: the nearest region (US) is tried and named; choosing EU signs in there and is remembered", async () => {
    const user = { username: "eva.eu-only", password: "Eva-Only-In-EU-7!" };
    await createUser("eu", user.username, user.password);
    const first = await formLogin({ ...user, region: "" }, US);
    // A failed form post goes back to the page (POST-redirect-GET), which names the region tried.
    expect(first.status).toBe(303);
    expect(first.headers.get("x-transmit-region")).toBe("us");
    const flash = first.headers
      .getSetCookie()
      .find((l) => l.startsWith("__Host-flash="))!
      .split(";")[0]!;
    const page = await fetch(`${servers.url}${first.headers.get("location")}`, { headers: { cookie: flash, ...US } });
    expect(await page.text()).toContain("We tried United States (US)");
    const chosen = await formLogin({ ...user, region: "eu" }, US);
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get("x-transmit-region")).toBe("eu");
    const remembered = chosen.headers.getSetCookie().find((l) => l.startsWith("__Host-region="));
    expect(remembered).toMatch(/^__Host-region=eu; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(await passwordCalls(user.username)).toEqual({ us: 1, eu: 1 });

    // The same account from yet another new browser, no choice: its home region (learnt at the success) decides.
    const anywhere = await formLogin({ ...user, region: "" }, US);
    expect(anywhere.status).toBe(303);
    expect(anywhere.headers.get("x-transmit-region")).toBe("eu");
    expect(await passwordCalls(user.username)).toEqual({ us: 1, eu: 2 });
  });

  it("a browser that signed in before (remembered region) signs an EU-only account in from the US", async () => {
    const user = { username: "emil.eu-only", password: "Emil-Only-In-EU-7!" };
    await createUser("eu", user.username, user.password);
    const res = await formLogin({ ...user, region: "" }, { ...US, cookie: "__Host-region=eu" });
    expect(res.status).toBe(303);
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    expect(await passwordCalls(user.username)).toEqual({ eu: 1 });
  });

  it("H14 over HTTP: a forged hand-over header changes nothing, and alternating US and EU guesses buys no extra attempts", async () => {
    const user = { username: "erik.eu-only", password: "Erik-Only-In-EU-7!" };
    await createUser("eu", user.username, user.password);
    // The owner signs in once, choosing EU: the account's objects (EU, and the pointer outside it) learn the home.
    expect((await formLogin({ ...user, region: "eu" }, US)).status).toBe(303);
    // A forged x-edge-login claiming a form choice of US on a second hop: the Worker replaces it, the home decides.
    const forged = await formLogin({ ...user, region: "" }, { ...US, "x-edge-login": "us;form;1;x" });
    expect(forged.headers.get("x-transmit-region")).toBe("eu");
    expect(forged.headers.get("x-edge-region")).toBeNull();
    expect(await passwordCalls(user.username)).toEqual({ eu: 2 });
    // Wrong passwords, alternating a US guess and an EU guess, from new addresses: 3 reach the EU tenant, no more.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await formLogin(
        { ...user, password: `Wrong-${i}-Guess!`, region: "" },
        {
          "x-debug-country": i % 2 ? "DE" : "US",
        },
      );
      statuses.push(res.status);
    }
    expect(statuses.every((s) => s === 303)).toBe(true);
    expect(await passwordCalls(user.username)).toEqual({ eu: 5 });
  });

  it("NZ routes to AU, JP to AU, GB to EU (a country alone routes by its representative location)", async () => {
    for (const [country, region] of [
      ["NZ", "au"],
      ["JP", "au"],
      ["GB", "eu"],
    ] as const) {
      const user = { username: `traveller-${country.toLowerCase()}`, password: "Everywhere-Pass-7!" };
      for (const r of ["us", "eu", "ca", "au"]) await createUser(r, user.username, user.password);
      const res = await formLogin({ ...user, region: "" }, { "x-debug-country": country });
      expect(res.status).toBe(303);
      expect(res.headers.get("x-transmit-region")).toBe(region);
    }
  });
});
