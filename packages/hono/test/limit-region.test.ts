// attack4 F3: the router tells the limiter which region (tenant) an account count goes to, when it knows it before
// counting, so a limiter that keeps data per jurisdiction (edge-login keeps an EU account's counters in the EU) counts
// there. Forgot password: the region the link is sent from; when it moves after the count (a limiter that learns
// the account's home), the attempt is taken back under the old region and counted under the new one.
import { createTransmitClient, type TransmitClient } from "@transmit-edge/core";
import { createAccountClient } from "@transmit-edge/core/account";
import { createEmulator } from "@transmit-edge/emulator";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { type Limiter, memoryLimiter, memorySessionStore, transmitAuth } from "../src/index.ts";
import { browser, ORIGIN, SECRET } from "./helpers.ts";

type Region = "eu" | "us";

function client(emulator: ReturnType<typeof createEmulator>, region: Region): TransmitClient {
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

describe("attack4 F3: the limiter learns the region of an account count", () => {
  it("F3 forgot password counts under its region; when the region moves after the count, the attempt moves with it", async () => {
    const emulator = createEmulator({ regions: ["eu", "us"] });
    const clients = { eu: client(emulator, "eu"), us: client(emulator, "us") };
    // Like edge-login: the first guess is us; counting teaches that the account lives in eu.
    let learnt: Region | undefined;
    const seen: string[] = [];
    const inner = memoryLimiter();
    const limiter: Limiter = {
      async hit(k, c) {
        if (k.scope === "account") {
          seen.push(`hit ${k.device} ${k.region}`);
          learnt = "eu";
        }
        return inner.hit(k, c);
      },
      async release(k, c) {
        if (k.scope === "account") seen.push(`release ${k.device} ${k.region}`);
        await inner.release?.(k, c);
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
    const res = await app.request(`${ORIGIN}/auth/forgot-password`, {
      method: "POST",
      headers: browser({ "content-type": "application/json" }),
      body: JSON.stringify({ username: "alice" }),
    });
    expect(res.status).toBe(202);
    // Before the answer only the first count (attack5 F8: the move happens after it, before the email).
    expect(seen).toEqual(["hit reset us"]);
    for (const task of later) await task();
    expect(seen).toEqual(["hit reset us", "release reset us", "hit reset eu"]);
    // The link went out from the region the attempt is counted under.
    expect(emulator.requests({ route: "password.reset.email.link" }).map((r) => r.region)).toEqual(["eu"]);
  });
});
