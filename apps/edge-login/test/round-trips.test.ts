// Durable Object round trips per flow, counted by instrumenting the bindings (issue 14). This is the CI budget:
// a change that adds a round trip to a flow fails here. `pnpm bench` reads the counts from this file's results
// (test meta) for its table, and the geographic model (bench/geo) uses the login sequence.
import { describe, expect, it } from "vitest";
import { ALICE, CITIES, type Harness, harness, login, type ObjectCall, ORIGIN, sessionCookie } from "./helpers.ts";

/** Round trips the Worker may wait for before it answers, per flow; `after`: calls it may leave for `waitUntil`. */
const BUDGETS = {
  // One far round trip: the Worker hands the login to the account's object (account-login.ts), which counts the
  // attempt in its own storage and creates the session from where it is (its calls are listed apart: `object`).
  "login success": { request: 1, after: 0 },
  "login failure": { request: 1, after: 0 },
  "guarded request": { request: 1, after: 0 },
  "guarded request, idle deadline due to slide": { request: 1, after: 0 },
  // The session object gives one request at a time the turn to spend a refresh token (checklist C11).
  refresh: { request: 3, after: 0 },
  logout: { request: 2, after: 0 },
} as const;

type Flow = keyof typeof BUDGETS;

const post = (cookie: string) => ({
  method: "POST",
  cf: CITIES.frankfurt,
  headers: { cookie, origin: ORIGIN, "content-type": "application/json" },
  body: "{}",
});

/** Runs `flow` and returns the object calls it made, split by phase. */
async function measure(h: Harness, flow: () => Promise<Response>, status: number) {
  const before = h.objectCalls.length;
  const res = await flow();
  expect(res.status).toBe(status);
  const all = h.objectCalls.slice(before);
  const calls = all.filter((c) => c.via === undefined);
  const show = (c: ObjectCall) => `${c.binding}.${c.method}${c.jurisdiction ? ` [${c.jurisdiction}]` : ""}`;
  return {
    res,
    request: calls.filter((c) => c.phase === "request").map(show),
    after: calls.filter((c) => c.phase === "deferred").map(show),
    /** Calls the account's object made while running a handed-over login (from near the account's region). */
    object: all.filter((c) => c.via === "account").map((c) => `${show(c)}${c.phase === "deferred" ? " (after)" : ""}`),
  };
}

function within(
  task: { meta: object },
  flow: Flow,
  m: { request: string[]; after: string[]; object?: string[] },
  note = "",
) {
  const budget = BUDGETS[flow];
  // Read by bench/benchmarks/round-trips.mjs.
  Object.assign(task.meta, {
    roundTrips: { flow, request: m.request, after: m.after, object: m.object ?? [], budget, note },
  });
  expect(m.request.length, `${flow}: ${m.request.join(", ")}`).toBeLessThanOrEqual(budget.request);
  expect(m.after.length, `${flow} after the answer: ${m.after.join(", ")}`).toBeLessThanOrEqual(budget.after);
}

/** A Worker whose isolate has already fetched the EU client token (the steady state). */
async function warm(): Promise<Harness> {
  const h = await harness();
  const bob = { username: "bob", password: "Battery-Staple-9!" };
  await h.emulator.addUser("eu", bob);
  const res = await login(h, bob, { cf: CITIES.frankfurt });
  expect(res.status).toBe(200);
  // The Worker's own client (refresh, logout) fetches its token once per isolate too.
  const cookie = sessionCookie(res)!;
  expect((await h.fetch("/auth/logout", post(cookie))).status).toBe(200);
  return h;
}

describe("Durable Object round trips per flow (budget)", () => {
  it("login success: one hand-over to the account's object; it counts, calls Transmit and creates the session near itself", async ({
    task,
  }) => {
    const h = await warm();
    const m = await measure(h, () => login(h, ALICE, { cf: CITIES.frankfurt }), 200);
    expect(m.request).toEqual(["ACCOUNT_THROTTLE.fetch [eu]"]);
    expect(m.after).toEqual([]);
    // From the object: the session (EU: in the eu jurisdiction), and once per 30 days the account's object in the
    // other jurisdiction learns the home region (for a traveller), after the answer.
    // The tell is marked done in the object once it succeeded (attack4 F6): one more call, after the answer.
    expect(m.object).toEqual([
      "SESSIONS.create [eu]",
      "ACCOUNT_THROTTLE.point (after)",
      "ACCOUNT_THROTTLE.told [eu] (after)",
    ]);
    within(task, "login success", m);
    const again = await measure(h, () => login(h, ALICE, { cf: CITIES.frankfurt }), 200);
    expect(again.object).toEqual(["SESSIONS.create [eu]"]);
  });

  it("login failure: one round trip (the hand-over; the attempt is counted inside the account's object)", async ({
    task,
  }) => {
    const h = await warm();
    const m = await measure(h, () => login(h, { ...ALICE, password: "Wrong-Horse-7!" }, { cf: CITIES.frankfurt }), 401);
    expect(m.request).toEqual(["ACCOUNT_THROTTLE.fetch [eu]"]);
    expect(m.object).toEqual([]);
    within(task, "login failure", m);
  });

  it("guarded request: one session read", async ({ task }) => {
    const h = await warm();
    const cookie = sessionCookie(await login(h, ALICE, { cf: CITIES.frankfurt }))!;
    const m = await measure(h, () => h.fetch("/api/me", { headers: { cookie } }), 200);
    expect(m.request).toEqual(["SESSIONS.readFresh [eu]"]);
    within(task, "guarded request", m);
  });

  it("guarded request when the idle deadline is due to slide: still one round trip (the touch happens in the read)", async ({
    task,
  }) => {
    const h = await warm();
    const cookie = sessionCookie(await login(h, ALICE, { cf: CITIES.frankfurt }))!;
    h.clock.advance(25 * 60);
    const m = await measure(h, () => h.fetch("/api/me", { headers: { cookie } }), 200);
    expect(m.request).toEqual(["SESSIONS.readFresh [eu]"]);
    within(task, "guarded request, idle deadline due to slide", m);
    // The touch took: 25 + 25 minutes after login is past the original 30-minute idle deadline.
    h.clock.advance(25 * 60);
    expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(200);
  });

  it("refresh: read the session, take the refresh turn, rotate the tokens upstream, store them (ending the turn)", async ({
    task,
  }) => {
    const h = await warm();
    const cookie = sessionCookie(await login(h, ALICE, { cf: CITIES.frankfurt }))!;
    const m = await measure(h, () => h.fetch("/auth/refresh", post(cookie)), 200);
    expect(m.request).toEqual(["SESSIONS.readFresh [eu]", "SESSIONS.beginRefresh [eu]", "SESSIONS.endRefresh [eu]"]);
    within(task, "refresh", m);
  });

  it("logout: read the session, delete it (Transmit's logout in its region)", async ({ task }) => {
    const h = await warm();
    const cookie = sessionCookie(await login(h, ALICE, { cf: CITIES.frankfurt }))!;
    const m = await measure(h, () => h.fetch("/auth/logout", post(cookie)), 200);
    expect(m.request).toEqual(["SESSIONS.readFresh [eu]", "SESSIONS.remove [eu]"]);
    within(task, "logout", m);
  });

  it("(report) the first login of a new isolate also reads the region's shared token object, and writes the token it fetched", async ({
    task,
  }) => {
    const h = await harness();
    const m = await measure(h, () => login(h, ALICE, { cf: CITIES.sydney }), 200);
    expect(m.request).toEqual(["ACCOUNT_THROTTLE.fetch"]);
    expect(m.object).toEqual([
      "CLIENT_TOKENS.readEntry",
      "SESSIONS.create",
      "CLIENT_TOKENS.write (after)",
      "ACCOUNT_THROTTLE.point [eu] (after)",
      "ACCOUNT_THROTTLE.told (after)",
    ]);
    Object.assign(task.meta, {
      roundTrips: {
        flow: "login success, first login of an isolate (once per isolate and token lifetime)",
        request: m.request,
        after: m.after,
        object: m.object,
        budget: null,
        note: "cold isolate",
      },
    });
  });
});
