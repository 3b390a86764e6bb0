// Sign-up and forgot password (account-routes.ts) with the real core clients against the in-process emulator,
// tested the way an attacker would probe them: enumeration by answer, headers, cookies and upstream work; throttle
// exhaustion; the reset token leaking into a URL, page, cookie or event; replayed links; cross-site posts.
import type { TransmitClient } from "@transmit-edge/core";
import { createAccountClient } from "@transmit-edge/core/account";
import { createEmulator, DEMO_PASSWORD, type Emulator } from "@transmit-edge/emulator";
import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AuthEvent, memoryLimiter, memorySessionStore, transmitAuth } from "../src/index.ts";
import { browser, ORIGIN, SECRET, setCookies } from "./helpers.ts";
import { emulatorClient } from "./region-world.ts";

type Region = "eu" | "us";
const NEW_PASSWORD = "Brand-New-Secret-42!";
const RESET_URL = `${ORIGIN}/auth/reset-password`;

interface World {
  emulator: Emulator;
  app: Hono;
  events: AuthEvent[];
  /** Work the routes deferred past their answer (run by `settle`). */
  later: (() => Promise<unknown>)[];
  texts: string[];
}

function build(opts: { ipLimit?: number; account?: boolean } = {}): World {
  const emulator = createEmulator({ regions: ["eu", "us"] });
  const clients: Record<Region, TransmitClient> = {
    eu: emulatorClient(emulator, "eu"),
    us: emulatorClient(emulator, "us"),
  };
  const events: AuthEvent[] = [];
  const later: (() => Promise<unknown>)[] = [];
  // New requests go to eu; a region named by a session or a link must be a configured one.
  const resolve = (_c: unknown, region?: string) => {
    if (region !== undefined && region !== "eu" && region !== "us") throw new Error("unknown region");
    const name = (region ?? "eu") as Region;
    return { client: clients[name], region: name };
  };
  const auth = transmitAuth({
    client: resolve,
    sessions: memorySessionStore(),
    limiter: memoryLimiter(opts.ipLimit ? { ip: { limit: opts.ipLimit, windowMs: 60_000 } } : {}),
    userKeySecret: SECRET,
    ip: "cf-connecting-ip",
    onEvent: (e) => {
      events.push(e);
    },
    ...(opts.account === false
      ? {}
      : {
          account: {
            client: createAccountClient,
            resetUrl: RESET_URL,
            defer: (_c, task) => {
              later.push(task);
            },
          },
        }),
    timeoutMs: 8000,
  });
  const app = new Hono();
  app.route("/auth", auth.routes());
  return { emulator, app, events, later, texts: [] };
}

async function send(
  w: World,
  path: string,
  body: unknown,
  extra: Record<string, string> = {},
  kind: "json" | "form" = "json",
): Promise<Response> {
  const headers = browser({
    "content-type": kind === "json" ? "application/json" : "application/x-www-form-urlencoded",
    ...extra,
  });
  const res = await w.app.request(`${ORIGIN}${path}`, {
    method: "POST",
    headers,
    body: kind === "json" ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString(),
  });
  w.texts.push(await res.clone().text(), JSON.stringify([...res.headers]), res.headers.get("location") ?? "");
  return res;
}

async function get(w: World, url: string, cookie?: string): Promise<Response> {
  const res = await w.app.request(url, { headers: browser(cookie ? { cookie } : {}) });
  w.texts.push(await res.clone().text(), JSON.stringify([...res.headers]), res.headers.get("location") ?? "");
  return res;
}

/** Runs the deferred work, as `waitUntil` would after the answer. */
async function settle(w: World): Promise<void> {
  while (w.later.length > 0) await w.later.shift()?.();
}

/** Everything observable about an answer: status, headers (minus none), body. */
async function shape(res: Response) {
  return { status: res.status, headers: [...res.headers].sort(), body: await res.text() };
}

const cookiePair = (res: Response, name: string) =>
  setCookies(res)
    .find((l) => l.startsWith(`${name}=`))
    ?.split(";")[0];

describe("account routes against the emulator", () => {
  let w: World;
  beforeEach(async () => {
    w = build();
    await w.emulator.ready();
  });
  afterEach(() => {
    w.emulator.close();
  });

  it("R01 sign-up answers a taken address exactly like a free one, and emails the owner instead", async () => {
    const free = await send(w, "/auth/signup", { email: "new.person@example.com", password: NEW_PASSWORD });
    const createdCalls = w.emulator.requests({ route: "users.create" }).length;
    const taken = await send(w, "/auth/signup", { email: "alice@example.com", password: NEW_PASSWORD });
    // Before the deferred work runs, both did the same upstream work: one users.create each, nothing else.
    expect(w.emulator.requests({ route: "users.create" })).toHaveLength(createdCalls + 1);
    expect(w.emulator.requests({ route: "password.reset.email.link" })).toHaveLength(0);
    expect(await shape(free)).toEqual(await shape(taken));
    expect(free.status).toBe(202);
    expect(setCookies(free)).toEqual([]);
    await settle(w);
    // The owner of the taken address gets a way back in; the new account gets nothing it did not ask for.
    const mail = w.emulator.outbox();
    expect(mail.map((m) => [m.to, m.kind])).toEqual([["alice@example.com", "password_reset_link"]]);
    expect(new URL(mail[0]?.link ?? "").searchParams.get("region")).toBe("eu");
    // The new account signs in with its permanent password (no forced change).
    const login = await send(w, "/auth/login", { username: "new.person@example.com", password: NEW_PASSWORD });
    expect(login.status).toBe(200);
    // Form posts: the same 303 either way.
    const formFree = await send(w, "/auth/signup", { email: "b@example.com", password: NEW_PASSWORD }, {}, "form");
    const formTaken = await send(w, "/auth/signup", { email: "alice@example.com", password: NEW_PASSWORD }, {}, "form");
    expect(await shape(formFree)).toEqual(await shape(formTaken));
    expect(formFree.headers.get("location")).toBe("/login?signedUp");
    // The events tell the operator what happened; the visitor never sees them.
    expect(w.events.filter((e) => e.type === "signup").map((e) => e.reason)).toEqual([
      "created",
      "identifier_taken",
      "created",
      "identifier_taken",
    ]);
  });

  it("R01 sign-up refuses a password the policy rejects, and a malformed address, naming the field", async () => {
    const weak = await send(w, "/auth/signup", { email: "c@example.com", password: "short" });
    expect(weak.status).toBe(400);
    expect(((await weak.json()) as { type: string }).type).toBe("urn:transmit-edge:problem:password_rejected");
    const bad = await send(w, "/auth/signup", { email: "not-an-email", password: NEW_PASSWORD });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { "invalid-params": unknown })["invalid-params"]).toEqual([{ name: "email" }]);
    expect(w.emulator.requests({ route: "users.create" }).filter((r) => r.status === 201)).toHaveLength(0);
  });

  it("R02 forgot password answers an existing and an unknown account identically, with no upstream call before the answer", async () => {
    const before = w.emulator.requests().length;
    const known = await send(w, "/auth/forgot-password", { username: "alice" });
    const unknown = await send(w, "/auth/forgot-password", { username: "nobody-here" });
    const knownEmail = await send(w, "/auth/forgot-password", { username: "alice@example.com" });
    expect(w.emulator.requests().length).toBe(before);
    const a = await shape(known);
    expect(a).toEqual(await shape(unknown));
    expect(a).toEqual(await shape(knownEmail));
    expect(known.status).toBe(202);
    await settle(w);
    expect(w.emulator.requests({ route: "password.reset.email.link" })).toHaveLength(3);
    expect(w.emulator.outbox().map((m) => m.to)).toEqual(["alice@example.com", "alice@example.com"]);
    const form1 = await send(w, "/auth/forgot-password", { username: "alice" }, {}, "form");
    const form2 = await send(w, "/auth/forgot-password", { username: "nobody-else" }, {}, "form");
    expect(await shape(form1)).toEqual(await shape(form2));
    expect(form1.headers.get("location")).toBe("/forgot-password?sent");
  });

  it("R03 forgot password is throttled per account, for existing and unknown accounts alike, apart from logins", async () => {
    const answers: number[] = [];
    for (let i = 0; i < 6; i++) answers.push((await send(w, "/auth/forgot-password", { username: "alice" })).status);
    const unknown: number[] = [];
    for (let i = 0; i < 6; i++) unknown.push((await send(w, "/auth/forgot-password", { username: "ghost" })).status);
    expect(answers).toEqual([202, 202, 202, 202, 429, 429]);
    expect(unknown).toEqual(answers);
    await settle(w);
    // Four emails at most; the refused requests sent nothing.
    expect(w.emulator.requests({ route: "password.reset.email.link" })).toHaveLength(8);
    // The owner can still sign in: reset requests do not use up the login attempts.
    expect((await send(w, "/auth/login", { username: "alice", password: DEMO_PASSWORD })).status).toBe(200);
  });

  it("R03 forgot password and sign-up are throttled per client network", async () => {
    w.emulator.close();
    w = build({ ipLimit: 3 });
    const statuses: number[] = [];
    for (const username of ["a1", "a2", "a3", "a4"])
      statuses.push((await send(w, "/auth/forgot-password", { username })).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const signup = await send(w, "/auth/signup", { email: "x@example.com", password: NEW_PASSWORD });
    expect(signup.status).toBe(429);
    expect(signup.headers.get("retry-after")).not.toBeNull();
    // Another network is not affected.
    const other = await send(w, "/auth/forgot-password", { username: "a5" }, { "cf-connecting-ip": "198.51.100.9" });
    expect(other.status).toBe(202);
  });

  it("R04 reset: link -> clean page -> new password; the token never leaves the server, and other sessions end", async () => {
    const session = await send(w, "/auth/login", { username: "alice", password: DEMO_PASSWORD });
    expect(session.status).toBe(200);
    const before = cookiePair(session, "__Host-session") ?? "";
    expect((await get(w, "/auth/session", before)).status).toBe(200);
    await send(w, "/auth/forgot-password", { username: "alice" });
    await settle(w);
    const link = w.emulator.outbox()[0]?.link ?? "";
    const code = new URL(link).searchParams.get("code") ?? "";
    expect(code.length).toBeGreaterThan(10);
    expect(link.startsWith(`${RESET_URL}?region=eu&code=`)).toBe(true);
    const landed = await get(w, link);
    expect(landed.status).toBe(303);
    expect(landed.headers.get("location")).toBe("/reset-password");
    const reset = cookiePair(landed, "__Host-session-reset");
    expect(reset).toBeDefined();
    // A weak password is refused with the rule broken named by kind, and the link stays usable.
    const weak = await send(w, "/auth/reset-password", { newPassword: "weak" }, { cookie: reset ?? "" });
    expect(weak.status).toBe(400);
    expect(((await weak.json()) as { type: string }).type).toBe("urn:transmit-edge:problem:password_rejected");
    const done = await send(w, "/auth/reset-password", { newPassword: NEW_PASSWORD }, { cookie: reset ?? "" });
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ passwordReset: true, signedIn: false });
    // Not signed in silently: no session cookie, the reset cookie is cleared.
    expect(cookiePair(done, "__Host-session")).toBeUndefined();
    expect(cookiePair(done, "__Host-session-reset")).toBe("__Host-session-reset=");
    // The user's other sessions were ended (the store's per-user index, found by the user id Transmit's tokens name).
    expect((await get(w, "/auth/session", before)).status).toBe(401);
    // The new password works; the old one does not.
    expect((await send(w, "/auth/login", { username: "alice", password: NEW_PASSWORD })).status).toBe(200);
    expect((await send(w, "/auth/login", { username: "alice", password: DEMO_PASSWORD })).status).toBe(401);
    // The code appears in no answer (status line, header, cookie, body, Location) and no event.
    for (const text of w.texts) expect(text).not.toContain(code);
    expect(JSON.stringify(w.events)).not.toContain(code);
  });

  it("R04 a used reset link is refused when replayed, and a reset without a landed link is refused", async () => {
    await send(w, "/auth/forgot-password", { username: "alice" });
    await settle(w);
    const link = w.emulator.outbox()[0]?.link ?? "";
    const first = cookiePair(await get(w, link), "__Host-session-reset") ?? "";
    expect((await send(w, "/auth/reset-password", { newPassword: NEW_PASSWORD }, { cookie: first })).status).toBe(200);
    // The same cookie again: its record is gone.
    expect((await send(w, "/auth/reset-password", { newPassword: `${NEW_PASSWORD}x` }, { cookie: first })).status).toBe(
      401,
    );
    // The same link again: Transmit refuses the spent token, and the record is dropped.
    const again = cookiePair(await get(w, link), "__Host-session-reset") ?? "";
    const replay = await send(w, "/auth/reset-password", { newPassword: `${NEW_PASSWORD}y` }, { cookie: again });
    expect(replay.status).toBe(401);
    expect(cookiePair(replay, "__Host-session-reset")).toBe("__Host-session-reset=");
    expect((await send(w, "/auth/reset-password", { newPassword: NEW_PASSWORD })).status).toBe(401);
    // A forced change's pending cookie cannot stand in for a reset (different cookie, different purpose).
    expect(
      (
        await send(
          w,
          "/auth/reset-password",
          { newPassword: NEW_PASSWORD },
          { cookie: `__Host-session-pw=${first.split("=")[1]}` },
        )
      ).status,
    ).toBe(401);
  });

  it("R04 a tampered region sends the code to that one region only; an unknown region sends it nowhere", async () => {
    await send(w, "/auth/forgot-password", { username: "alice" });
    await settle(w);
    const link = new URL(w.emulator.outbox()[0]?.link ?? "");
    const resetsBefore = w.emulator.requests({ route: "password.reset" }).length;
    link.searchParams.set("region", "zz");
    const unknown = await get(w, link.href);
    expect(unknown.headers.get("location")).toBe("/reset-password?invalid");
    expect(cookiePair(unknown, "__Host-session-reset")).toBeUndefined();
    link.searchParams.set("region", "us");
    const us = cookiePair(await get(w, link.href), "__Host-session-reset") ?? "";
    const res = await send(w, "/auth/reset-password", { newPassword: NEW_PASSWORD }, { cookie: us });
    expect(res.status).toBe(401);
    const calls = w.emulator.requests({ route: "password.reset" }).slice(resetsBefore);
    expect(calls.map((c) => c.region)).toEqual(["us"]);
    // The eu password is unchanged.
    expect((await send(w, "/auth/login", { username: "alice", password: DEMO_PASSWORD })).status).toBe(200);
  });

  it("R01 R02 cross-site posts are refused before anything is counted or sent", async () => {
    const evil = { origin: "https://evil.example", "sec-fetch-site": "cross-site" };
    for (const [path, body] of [
      ["/auth/signup", { email: "d@example.com", password: NEW_PASSWORD }],
      ["/auth/forgot-password", { username: "alice" }],
      ["/auth/reset-password", { newPassword: NEW_PASSWORD }],
    ] as const) {
      expect((await send(w, path, body, evil, "form")).status).toBe(403);
    }
    await settle(w);
    expect(w.emulator.requests({ route: "users.create" })).toHaveLength(0);
    expect(w.emulator.outbox()).toHaveLength(0);
  });

  it("routes that are not configured are not mounted", async () => {
    w.emulator.close();
    w = build({ account: false });
    expect((await send(w, "/auth/signup", { email: "e@example.com", password: NEW_PASSWORD })).status).toBe(404);
    expect((await send(w, "/auth/forgot-password", { username: "alice" })).status).toBe(404);
  });
});
