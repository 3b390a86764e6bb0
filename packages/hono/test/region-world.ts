// A router whose limiter records the region of each account count, against the in-process emulator (eu and us),
// the way edge-login resolves regions: the first guess is us, and counting may teach the account's home (`learns`).
// Shared by the tests of LimitKey.region (limit-region.test.ts, attack5-signup-region.test.ts); `emulatorClient` by
// the tests against the emulator.
import { createTransmitClient, type TransmitClient } from "@transmit-edge/core";
import { createAccountClient } from "@transmit-edge/core/account";
import { createEmulator } from "@transmit-edge/emulator";
import { Hono } from "hono";
import { type Limiter, type LimitResult, memoryLimiter, memorySessionStore, transmitAuth } from "../src/index.ts";
import { browser, ORIGIN, SECRET } from "./helpers.ts";

export type Region = "eu" | "us";

/** A core client of the in-process emulator's demo client in `region`. */
export function emulatorClient(emulator: ReturnType<typeof createEmulator>, region: Region): TransmitClient {
  return createTransmitClient({
    region,
    baseUrl: `http://127.0.0.1:4010/${region}`,
    clientId: `demo-client-${region}`,
    clientSecret: `demo-secret-${region}`,
    allowInsecureLoopback: true,
    fetch: (input, init) => emulator.fetch(new Request(input, init)),
    timeoutMs: 8000,
  });
}

export interface RegionWorldOptions {
  /** The region counting teaches (undefined: the guess stands). */
  learns?: Region;
  /** The verdict of an account count under a region (default: a memory limiter's). */
  verdict?: (region: string | undefined) => LimitResult | undefined;
}

export function regionWorld(options: RegionWorldOptions = {}) {
  const emulator = createEmulator({ regions: ["eu", "us"] });
  const clients = { eu: emulatorClient(emulator, "eu"), us: emulatorClient(emulator, "us") };
  let learnt: Region | undefined;
  const seen: string[] = [];
  const inner = memoryLimiter();
  const limiter: Limiter = {
    async hit(k, c) {
      if (k.scope === "account") {
        seen.push(`hit ${k.device} ${k.region}`);
        learnt = options.learns;
        const verdict = options.verdict?.(k.region);
        if (verdict) return verdict;
      }
      return inner.hit(k, c);
    },
    async release(k, c) {
      if (k.scope === "account") seen.push(`release ${k.device} ${k.region}`);
      await inner.release?.(k, c);
    },
    async succeeded(k) {
      if (k.scope === "account") seen.push(`succeeded ${k.device} ${k.region}`);
    },
  };
  const later: (() => Promise<unknown>)[] = [];
  const auth = transmitAuth({
    client: (_c: unknown, region?: string) => {
      const name = (region ?? learnt ?? "us") as Region;
      return { client: clients[name], region: name };
    },
    sessions: memorySessionStore(),
    limiter,
    userKeySecret: SECRET,
    ip: "cf-connecting-ip",
    account: {
      client: createAccountClient,
      resetUrl: `${ORIGIN}/auth/reset-password`,
      defer: (_c, t) => later.push(t),
    },
    timeoutMs: 8000,
  });
  const app = new Hono();
  app.route("/auth", auth.routes());
  const post = (path: string, body: unknown) =>
    app.request(`${ORIGIN}/auth/${path}`, {
      method: "POST",
      headers: browser({ "content-type": "application/json" }),
      body: JSON.stringify(body),
    });
  /** Runs the work deferred past the answer, as `waitUntil` would. */
  const settle = async () => {
    while (later.length > 0) await later.shift()?.();
  };
  return { emulator, seen, post, settle };
}
