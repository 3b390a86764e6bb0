/**
 * The hand-over (docs/regions.md, "The hand-over"): a login costs one far round trip. The Worker runs the router's
 * cheap checks (origin, content type, body size, validation, the per-IP limit) and hashes the username, then hands
 * the checked request to the account's object, placed near the account's region and, for EU logins, in the `eu`
 * jurisdiction. The object runs the same `@transmit-edge/hono` routes with a limiter on its own storage: it counts
 * the attempt, calls Transmit a few milliseconds away and creates the session in an object near it.
 *
 * The Worker picks the object by the best region it knows without the account (the form's choice, else the
 * remembered region, else the nearest). An object whose account lives in the other jurisdiction (a traveller) answers
 * "home elsewhere" before it reads the body, and the Worker hands the login over once more, to that object. Nothing
 * is handed over after an object has read the request: an error is a 5xx, never a retry elsewhere.
 */
import { type HandOff, type Limiter, lockoutRules, transmitAuth } from "@transmit-edge/hono";
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { type AccountThrottle, accountObject, tellOther } from "./account-throttle.ts";
import { type AppOptions, sharedAuth } from "./app.tsx";
import { type RoutableRegion, readConfig, type WorkerConfig } from "./config.ts";
import { configuredRegion, formRegion, guessRegion, type RegionSource, type RegionVariables } from "./home-region.ts";
import { jurisdictionOf } from "./residency.ts";

/** Request header of a hand-over: `region;source;hop[;seam]`. Set by the Worker only (a client's is replaced). */
const HAND_OFF = "x-edge-login";
/** Answer header of an object whose account lives in the other jurisdiction: the home region, body unread. */
const HOME_ELSEWHERE = "x-edge-home";
/** Answer header: the region the object sent the login to. */
const REGION = "x-edge-region";

/** What the object's router gets as `c.env`: the object itself and the region this login goes to. */
interface Handed {
  object: AccountThrottle;
  region: RoutableRegion;
  source: RegionSource;
}
type ObjectEnv = { Bindings: Handed; Variables: RegionVariables };

/**
 * Tests only: the env and options (clock, upstream, log, deferred work) of the Worker that handed a login over, so
 * the object runs against the same emulator and secrets. Registered only by `createWorker(options)` with options;
 * the deployed Worker (`createWorker()`) registers none, so the header's last field matches nothing there.
 */
const seams = new Map<string, { env: Env; options: AppOptions }>();

export function seamFor(env: Env, options: AppOptions): string | undefined {
  if (Object.keys(options).length === 0) return undefined;
  const id = crypto.randomUUID();
  seams.set(id, { env: options.objectEnv?.(env) ?? env, options });
  return id;
}

/** The Worker's side: hands the checked login to the account's object, and once more when it says "elsewhere". */
export function handOffLogin(
  config: WorkerConfig,
  accounts: DurableObjectNamespace<AccountThrottle>,
  seam?: string,
): HandOff {
  const enforce = !config.allowNoJurisdiction;
  return async (c, { userKey, signedInBefore }) => {
    type Route = { region: RoutableRegion; source: RegionSource };
    const chosen = await formRegion(c, config);
    let device: Route | undefined;
    if (!chosen && config.candidates.length > 1) {
      // A browser that signed in to this exact account before (a device entry names the username and the region)
      // goes back to that region, ahead of the account's home: the home is kept per username, and a same-named
      // account in another tenant can be its newest report (attack4 F5). Two such regions: no answer from here.
      const known: RoutableRegion[] = [];
      for (const region of config.candidates) if (await signedInBefore(region)) known.push(region);
      if (known.length === 1) device = { region: known[0] as RoutableRegion, source: "device" };
    }
    let route: Route = chosen
      ? { region: chosen, source: "form" }
      : (device ?? (c.get("regionGuess" as never) as Route | undefined) ?? guessRegion(c, config));
    // The validated fields only, exactly as received (the router has read the original body). The kind is the one
    // the router validated (its media type, parameters aside), never a guess from the header's text (attack3 F4).
    const valid = (c.req as unknown as { valid(t: string): Record<string, string> | undefined }).valid.bind(c.req);
    const form = valid("form");
    const json = form === undefined;
    const input = form ?? (valid("json") as Record<string, string>);
    const body = json ? JSON.stringify(input) : new URLSearchParams(input).toString();
    const headers = new Headers(c.req.raw.headers);
    headers.delete("content-length");
    for (let hop = 0; ; hop++) {
      headers.set(HAND_OFF, `${route.region};${route.source};${hop};${seam ?? ""}`);
      const res = await accountObject(accounts, userKey, route.region, enforce).fetch(c.req.url, {
        method: "POST",
        headers,
        body,
        // A form login answers 303: it is the browser's to follow, not the stub's.
        redirect: "manual",
      });
      const home = res.headers.get(HOME_ELSEWHERE);
      if (home !== null) {
        // Only the first object may send the login on, and only to a configured region: it read nothing.
        const region = configuredRegion(config, home);
        if (hop > 0 || !region) throw new Error("account object sent the login on twice");
        route = { region, source: "account" };
        continue;
      }
      const out = new Response(res.body, res);
      c.set("transmitRegion" as never, configuredRegion(config, out.headers.get(REGION)) as never);
      out.headers.delete(REGION);
      return out;
    }
  };
}

/**
 * The object's side: its router, built once per isolate, not per object: the objects of many accounts share an
 * isolate, and each built router holds the isolate's client tokens and Transmit's signing keys. Keyed by the test
 * seam ("" deployed: one configuration per isolate).
 */
const apps = new Map<string, { app: Hono<ObjectEnv>; config: WorkerConfig; now: () => number }>();

function objectApp(config: WorkerConfig, env: Env, options: AppOptions) {
  const { now, defer, clientFor, options: common } = sharedAuth(config, env, options);
  const enforce = !config.allowNoJurisdiction;
  const rules = lockoutRules(config.lockout);
  const ruleOf = (device: string | undefined) => (device === undefined ? rules.account : rules.device);
  const object = (c: Context | undefined) => (c as Context<ObjectEnv>).env.object;
  // The account's counters are this object's storage: plain method calls, no round trip. The Worker already
  // counted the request per IP (checklist H12), so the IP scope is not counted again here.
  const limiter: Limiter = {
    async hit(k, c) {
      if (k.scope !== "account") return { allowed: true };
      const { home: _, ...verdict } = await object(c).hitHome(now(), ruleOf(k.device), k.device);
      return verdict;
    },
    async release(k, c) {
      if (k.scope === "account") await object(c).release(now(), ruleOf(k.device), k.device);
    },
    async reset(k, c) {
      if (k.scope === "account") await object(c).clear(k.device);
    },
    async succeeded(k, c) {
      if (k.scope !== "account") return;
      const { region } = (c as Context<ObjectEnv>).env;
      const at = now();
      if (await object(c).succeeded(at, ruleOf(k.device), k.device, region)) {
        // Marked told only once told: a failed tell is tried again at the next success (attack4 F6). After the
        // answer, through the binding (work deferred past the request is not this object's own call).
        defer(async () => {
          await tellOther(env.ACCOUNT_THROTTLE, k.key, region, at, config.candidates, enforce);
          await accountObject(env.ACCOUNT_THROTTLE, k.key, region, enforce).told(region, at);
        });
      }
    },
  };
  const auth = transmitAuth({
    ...common,
    limiter,
    client: (c: Context<ObjectEnv>) => {
      c.set("transmitRegion", c.env.region);
      c.set("regionSource", c.env.source);
      return { client: clientFor(c.env.region), region: c.env.region };
    },
  });
  const app = new Hono<ObjectEnv>();
  app.route("/auth", auth.routes());
  return { app, config, now };
}

/** Runs a handed-over login in `object` (AccountThrottle.fetch). */
export async function accountLogin(object: AccountThrottle, env: Env, request: Request): Promise<Response> {
  const [given, source, hop, seamId] = (request.headers.get(HAND_OFF) ?? "").split(";");
  const seam = seamId ? seams.get(seamId) : undefined;
  const key = seam ? (seamId as string) : "";
  let built = apps.get(key);
  if (!built) {
    const runEnv = seam?.env ?? env;
    built = objectApp(readConfig(runEnv as unknown as Record<string, unknown>), runEnv, seam?.options ?? {});
    apps.set(key, built);
  }
  let region = configuredRegion(built.config, given);
  if (!region) return new Response(null, { status: 400 });
  let from = source as RegionSource;
  if (from !== "form") {
    // Before anything reads the body: an account that lives in the other jurisdiction is sent on, unread. A device
    // entry's region (this browser signed in to a same-named account there) is checked too: one outside the EU does
    // not take an EU account's password out of the EU (attack5 F1); within a jurisdiction it beats the home (F5).
    const home = configuredRegion(built.config, await object.home(built.now()));
    if (home && jurisdictionOf(home) !== jurisdictionOf(region)) {
      // Into the EU only. A username is not one account across tenants: a same-named account in another region's
      // tenant (or one signed up there by someone else) can make a non-EU region the newest home report, and an
      // object in the eu jurisdiction must not send an EU login's password out of the EU for it (attack3 F1, F3).
      // The login stays in the region the Worker chose; a person whose account lives outside the EU chooses it on
      // the form or signs in from a browser that remembers it.
      if (hop === "0" && jurisdictionOf(region) !== "eu") {
        return new Response(null, { status: 409, headers: { [HOME_ELSEWHERE]: home } });
      }
    } else if (home && from !== "device") {
      region = home;
      from = "account";
    }
  }
  const res = await built.app.fetch(request, { object, region, source: from });
  const out = new Response(res.body, res);
  out.headers.set(REGION, region);
  return out;
}
