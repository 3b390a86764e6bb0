// A user's sessions in the Worker (issue 16 part 4): the per-user index object kept in step with the session
// objects, sign out everywhere, the list on the signed-in page, ending one session, EU residency of the index, and
// the race between a login and "sign out everywhere".
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { SessionList, SessionRecord } from "@transmit-edge/hono";
import { describe, expect, it } from "vitest";
import { ALICE, CITIES, type Harness, harness, login, ORIGIN, sessionCookie } from "./helpers.ts";

const FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0";
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1";

// A client address per sign-in: the per-IP rate limit (30 a minute, shared by the file's tests) is not under test.
let hosts = 0;
const ip = () => `198.51.100.${(hosts++ % 250) + 1}`;

async function signIn(h: Harness, user = ALICE, ua = FIREFOX, cf: Record<string, unknown> = CITIES.frankfurt) {
  const res = await login(h, user, { cf, ip: ip(), headers: { "user-agent": ua } });
  expect(res.status).toBe(200);
  return sessionCookie(res) as string;
}

const post = (h: Harness, path: string, cookie: string, body?: Record<string, string>) =>
  h.fetch(path, {
    method: "POST",
    headers: { cookie, origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(body ?? {}).toString(),
  });

const me = async (h: Harness, cookie: string) => (await h.fetch("/api/me", { headers: { cookie } })).status;

async function sessions(h: Harness, cookie: string): Promise<SessionList> {
  const res = await h.fetch("/auth/sessions", { headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as SessionList;
}

describe("U. a user's sessions in the Worker", () => {
  it("U02 sign out everywhere ends every session object of the user and logs each out at Transmit, once", async () => {
    const h = await harness();
    const a = await signIn(h);
    const b = await signIn(h, ALICE, IPHONE);
    const c = await signIn(h, ALICE, FIREFOX, CITIES.toronto);
    const bob = { username: "bob", password: "Battery-Staple-9!" };
    await h.emulator.addUser("eu", bob);
    const bobs = await signIn(h, bob);
    const before = h.calls("session.logout");
    const res = await post(h, "/auth/logout-all", b);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?signedOut");
    expect(res.headers.getSetCookie().some((l) => l.startsWith("__Host-session=;"))).toBe(true);
    expect(h.calls("session.logout") - before).toBe(3);
    for (const cookie of [a, b, c]) expect(await me(h, cookie)).toBe(401);
    expect(await me(h, bobs)).toBe(200);
    // Each ended session object removed itself from the index: a new session lists only itself.
    const fresh = await signIn(h);
    expect((await sessions(h, fresh)).sessions).toHaveLength(1);
  });

  it("U03 the signed-in page lists the sessions (device, region, last seen, this device) with End and Sign out everywhere", async () => {
    const h = await harness();
    await signIn(h, ALICE, IPHONE);
    h.clock.advance(90);
    const mine = await signIn(h);
    const html = await (await h.fetch("/", { headers: { cookie: mine } })).text();
    const items = html.match(/<li data-testid="session">[\s\S]*?<\/li>/g) ?? [];
    expect(items).toHaveLength(2);
    expect(items[0]).toContain("<b>Firefox on Windows</b> · EU");
    expect(items[0]).toContain("<strong>This device</strong>");
    expect(items[0]).not.toContain("<form");
    expect(items[1]).toContain("<b>Safari on iOS</b> · EU");
    expect(items[1]).toMatch(/Last seen: <time datetime="[^"]+Z">/);
    expect(items[1]).toMatch(
      /<form method="post" action="\/auth\/sessions\/end"><input type="hidden" name="handle" value="[A-Za-z0-9_-]{22}"><button type="submit" class="secondary" aria-label="End: Safari on iOS">End<\/button><\/form>/,
    );
    expect(html).toContain('<form method="post" action="/auth/logout-all">');
    expect(html).not.toContain(mine.split("=")[1] as string);
    const de = await (await h.fetch("/", { headers: { cookie: mine, "accept-language": "de" } })).text();
    expect(de).toContain("Ihre Sitzungen");
    expect(de).toContain("Überall abmelden");
  });

  it("U03 U04 End on the page ends that session of the same user only; another user's handle, a forged one and a replay are refused", async () => {
    const h = await harness();
    const other = await signIn(h, ALICE, IPHONE);
    const mine = await signIn(h);
    const bob = { username: "bob", password: "Battery-Staple-9!" };
    await h.emulator.addUser("eu", bob);
    const bobs = await signIn(h, bob);
    const handle = (await sessions(h, mine)).sessions.find((s) => !s.current)?.handle as string;
    const json = (cookie: string, body: unknown) =>
      h.fetch("/auth/sessions/end", {
        method: "POST",
        headers: { cookie, origin: ORIGIN, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await json(bobs, { handle })).status).toBe(400);
    expect((await json(mine, { handle: "forged-handle-AAAAAAAA" })).status).toBe(400);
    expect(await me(h, other)).toBe(200);
    const before = h.calls("session.logout");
    const res = await post(h, "/auth/sessions/end", mine, { handle });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    expect(h.calls("session.logout") - before).toBe(1);
    expect(await me(h, other)).toBe(401);
    expect(await me(h, mine)).toBe(200);
    expect((await json(mine, { handle })).status).toBe(400);
    expect(h.calls("session.logout") - before).toBe(1);
    expect((await sessions(h, mine)).sessions).toHaveLength(1);
  });

  it("U02 an EU user's index lives in the eu jurisdiction, named by a keyed hash (never the user id or username); a US user's does not", async () => {
    const h = await harness();
    const eu = await signIn(h);
    const from = h.objectCalls.length;
    await sessions(h, eu);
    const index = h.objectCalls.slice(from).filter((c) => c.binding === "USER_SESSIONS");
    expect(index.map((c) => `${c.method} ${c.jurisdiction}`)).toEqual(["list eu"]);
    const sub = JSON.parse(await (await h.fetch("/api/me", { headers: { cookie: eu } })).text()).userId as string;
    for (const call of index) {
      expect(call.name).not.toContain(sub);
      expect(call.name).not.toContain("alice");
    }
    const us = { username: "uma", password: "Correct-Horse-8!" };
    await h.emulator.addUser("us", us);
    const usCookie = await signIn(h, us, FIREFOX, CITIES.newYork);
    const at = h.objectCalls.length;
    await sessions(h, usCookie);
    const usIndex = h.objectCalls.slice(at).filter((c) => c.binding === "USER_SESSIONS");
    expect(usIndex).toHaveLength(1);
    expect(usIndex[0]?.jurisdiction).toBeUndefined();
  });

  it("U02 race: a login running at the same time as sign out everywhere is either ended by it or listed for the next one", async () => {
    const h = await harness();
    for (let round = 0; round < 6; round++) {
      const old = await signIn(h);
      const racing = () => login(h, ALICE, { cf: CITIES.frankfurt, ip: ip(), headers: { "user-agent": IPHONE } });
      const out = () => post(h, "/auth/logout-all", old);
      const [res, done] =
        round % 2 === 0 ? await Promise.all([racing(), out()]) : (await Promise.all([out(), racing()])).reverse();
      expect(done?.status).toBe(303);
      expect(await me(h, old)).toBe(401);
      const cookie = sessionCookie(res as Response);
      if ((res as Response).status === 200 && cookie && (await me(h, cookie)) === 200) {
        // It survived, so it must be in the index: the next "sign out everywhere" (from another session) ends it.
        const next = await signIn(h);
        expect((await post(h, "/auth/logout-all", next)).status).toBe(303);
        expect(await me(h, cookie)).toBe(401);
      }
    }
  });

  it("U02 a round-trip report: sign out everywhere reads the session, lists the index once, then ends each session", async ({
    task,
  }) => {
    const h = await harness();
    await signIn(h);
    const b = await signIn(h);
    const from = h.objectCalls.length;
    await post(h, "/auth/logout-all", b);
    const calls = h.objectCalls
      .slice(from)
      .filter((c) => c.binding === "SESSIONS" || c.binding === "USER_SESSIONS")
      .map((c) => `${c.binding}.${c.method}${c.jurisdiction ? ` [${c.jurisdiction}]` : ""}`);
    expect(calls).toEqual([
      "SESSIONS.readFresh [eu]",
      "USER_SESSIONS.list [eu]",
      "SESSIONS.remove [eu]",
      "SESSIONS.remove [eu]",
    ]);
    Object.assign(task.meta, {
      roundTrips: { flow: "logout-all (2 sessions)", request: calls, after: [], budget: null },
    });
  });
});

it("U01 after a forced password change (expired password) the user's other sessions end and the new one works", async () => {
  const h = await harness();
  const pat = { username: "pat", password: "Correct-Horse-6!" };
  await h.emulator.addUser("eu", pat);
  const old1 = await signIn(h, pat);
  const old2 = await signIn(h, pat, IPHONE);
  const policy = (value: object) =>
    h.emulator.fetch(
      new Request("http://127.0.0.1:4010/__emulator/policy", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(value),
      }),
    );
  expect((await policy({ passwordExpiresIn: 0 })).status).toBe(200);
  const expired = await login(h, pat, { cf: CITIES.frankfurt, ip: ip() });
  expect(expired.status).toBe(403);
  expect((await policy({ passwordExpiresIn: 90 })).status).toBe(200);
  const before = h.calls("session.logout");
  const changed = await h.fetch("/auth/password", {
    method: "POST",
    headers: {
      cookie: sessionCookie(expired, "__Host-session-pw") as string,
      origin: ORIGIN,
      "content-type": "application/json",
    },
    body: JSON.stringify({ newPassword: "Brand-New-Password-42!" }),
  });
  expect(changed.status).toBe(200);
  const fresh = sessionCookie(changed) as string;
  expect(await me(h, fresh)).toBe(200);
  for (const cookie of [old1, old2]) expect(await me(h, cookie)).toBe(401);
  expect(h.calls("session.logout") - before).toBe(2);
  expect((await sessions(h, fresh)).sessions).toHaveLength(1);
});

describe("U. the session object keeps the index in step", () => {
  const nowS = () => Math.floor(Date.now() / 1000);
  const record = (id: string, overrides: Partial<SessionRecord> = {}): SessionRecord => ({
    kind: "session",
    id,
    userId: "u",
    region: "eu",
    device: "Firefox on Windows",
    createdAt: nowS(),
    lastSeenAt: nowS(),
    expiresAt: nowS() + 3600,
    idleTimeout: 1800,
    ...overrides,
  });
  const pair = () => {
    const index = env.USER_SESSIONS.get(env.USER_SESSIONS.newUniqueId());
    const session = env.SESSIONS.get(env.SESSIONS.newUniqueId());
    return { index, session, link: { index: index.id.toString(), object: session.id.toString() } };
  };

  it("U02 race inside the object: a session ended while its create is still adding it to the index never stores its record", async () => {
    const { index, session, link } = pair();
    const [created] = await Promise.all([session.create(record("r1"), link), session.remove()]);
    expect(created).toBe(false);
    expect(await index.list(nowS())).toEqual([]);
    expect(await runInDurableObject(session, async (_i, state) => [...(await state.storage.list()).keys()])).toEqual(
      [],
    );
  });

  it("U02 create adds the entry (no token), logout removes it, and an idle session's alarm removes it too", async () => {
    const { index, session, link } = pair();
    expect(await session.create(record("r1", { refreshToken: "rt-secret", transmitSessionId: "ts-1" }), link)).toBe(
      true,
    );
    const [entry] = await index.list(nowS());
    expect(entry).toMatchObject({ id: "r1", device: "Firefox on Windows", region: "eu" });
    expect(JSON.stringify(entry)).not.toMatch(/rt-secret|ts-1/);
    expect(((await session.remove()) as SessionRecord | null)?.transmitSessionId).toBe("ts-1");
    expect(await index.list(nowS())).toEqual([]);

    const idle = pair();
    await idle.session.create(record("r2", { lastSeenAt: nowS() - 2000, createdAt: nowS() - 2000 }), idle.link);
    await runDurableObjectAlarm(idle.session);
    expect(await idle.index.list(nowS())).toEqual([]);
  });

  it("U03 a touch moves the entry's last seen forward", async () => {
    const { index, session, link } = pair();
    await session.create(record("r1", { lastSeenAt: nowS() - 120 }), link);
    await session.readFresh(Date.now(), 60);
    const [entry] = await index.list(nowS());
    expect(entry?.lastSeenAt).toBe(nowS());
  });
});
