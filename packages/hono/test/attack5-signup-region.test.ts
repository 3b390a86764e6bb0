// attack5 F2: sign-up counted its attempt before the router knew the address's region, so a limiter that keeps
// counters per jurisdiction (edge-login) counted each request under the guess of wherever it came from: one budget per
// jurisdiction for the same address (twice the "someone tried to sign up" emails to a taken address's owner) and an
// EU account's counter kept outside the EU. Now sign-up resolves its region before counting and again after it, like
// forgot password, and moves the attempt when the region moved.
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

function setup(learns: Region | undefined) {
  const emulator = createEmulator({ regions: ["eu", "us"] });
  const clients = { eu: client(emulator, "eu"), us: client(emulator, "us") };
  // Like edge-login: the first guess is us (the request's nearest region); counting may teach the address's home.
  let learnt: Region | undefined;
  const seen: string[] = [];
  const inner = memoryLimiter();
  const limiter: Limiter = {
    async hit(k, c) {
      if (k.scope === "account") {
        seen.push(`hit ${k.device} ${k.region}`);
        learnt = learns;
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
  const signup = (email: string) =>
    app.request(`${ORIGIN}/auth/signup`, {
      method: "POST",
      headers: browser({ "content-type": "application/json" }),
      body: JSON.stringify({ email, password: "Fresh-Account-Pass-9!" }),
    });
  return { emulator, seen, later, signup };
}

describe("attack5 F2: sign-up counts under the region it goes to", () => {
  it("F2 a sign-up whose region moves after the count (the limiter learnt the address's home) moves its attempt too", async () => {
    const { emulator, seen, later, signup } = setup("eu");
    await emulator.addUser("eu", { username: "taken@example.com", password: "Owner-Pass-Word-7!" });
    const res = await signup("taken@example.com");
    expect(res.status).toBe(202);
    for (const task of later) await task();
    expect(seen).toEqual(["hit signup us", "release signup us", "hit signup eu"]);
    expect(emulator.requests({ route: "users.create" }).map((r) => r.region)).toEqual(["eu"]);
  });

  it("F2 a sign-up whose region does not move is counted once, under that region, and succeeds there", async () => {
    const { emulator, seen, signup } = setup(undefined);
    const res = await signup("new.person@example.com");
    expect(res.status).toBe(202);
    expect(seen).toEqual(["hit signup us", "succeeded signup us"]);
    expect(emulator.requests({ route: "users.create" }).map((r) => r.region)).toEqual(["us"]);
  });
});

describe("attack5 F8: forgot password moves its count after the answer", () => {
  it("F8 the answer waits for one count only; a moved count that is refused sends no email (the answer was 202 anyway)", async () => {
    const emulator = createEmulator({ regions: ["eu", "us"] });
    const clients = { eu: client(emulator, "eu"), us: client(emulator, "us") };
    await emulator.addUser("eu", {
      username: "anna",
      password: "Anna-Pass-Word-7!",
      email: "anna@example.com",
    } as never);
    let learnt: Region | undefined;
    const seen: string[] = [];
    const limiter: Limiter = {
      async hit(k) {
        if (k.scope !== "account") return { allowed: true };
        seen.push(`hit ${k.device} ${k.region}`);
        learnt = "eu";
        // The account's eu counter is full; the us one (the first guess) is not.
        return k.region === "eu" ? { allowed: false, retryAfter: 60 } : { allowed: true };
      },
      async release(k) {
        if (k.scope === "account") seen.push(`release ${k.device} ${k.region}`);
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
      body: JSON.stringify({ username: "anna" }),
    });
    expect(res.status).toBe(202);
    expect(seen).toEqual(["hit reset us"]);
    for (const task of later) await task();
    expect(seen).toEqual(["hit reset us", "release reset us", "hit reset eu"]);
    expect(emulator.requests({ route: "password.reset.email.link" })).toEqual([]);
  });
});
