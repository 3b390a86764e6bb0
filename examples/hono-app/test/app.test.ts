// The example Worker inside workerd: public routes stay public, /notes needs a session from /auth/login.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const ORIGIN = "https://notes.example";
const worker = exports.default as { fetch(request: Request): Promise<Response> };
const call = (path: string, init: RequestInit = {}) => worker.fetch(new Request(`${ORIGIN}${path}`, init));

describe("hono-app example", () => {
  it("keeps the existing public routes public", async () => {
    expect((await call("/health")).status).toBe(200);
    expect((await call("/")).status).toBe(200);
  });

  it("guards /notes until the user signs in, then serves their notes", async () => {
    expect((await call("/notes")).status).toBe(401);
    const login = await call("/auth/login", {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password: "Correct-Horse-7!" }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^__Host-session=/);

    const created = await call("/notes", {
      method: "POST",
      headers: { cookie, origin: ORIGIN, "content-type": "application/json" },
      body: JSON.stringify({ text: "buy milk" }),
    });
    expect(created.status).toBe(201);
    const list = await call("/notes", { headers: { cookie } });
    expect(await list.json()).toEqual({ user: "demo-eu-alice", notes: ["buy milk"] });

    const logout = await call("/auth/logout", { method: "POST", headers: { cookie, origin: ORIGIN } });
    expect(logout.status).toBe(200);
  });

  it("refuses a wrong password with a generic 401", async () => {
    const login = await call("/auth/login", {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password: "wrong" }),
    });
    expect(login.status).toBe(401);
    expect(login.headers.get("set-cookie")).toBeNull();
  });

  it("throttles guessing: one account gets 429 after 3 wrong passwords, below Transmit's lockout of 5 (the router has a limiter)", async () => {
    const guess = (i: number) =>
      call("/auth/login", {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "application/json" },
        body: JSON.stringify({ username: "bob-the-target", password: `guess-${i}` }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await guess(i)).status);
    expect(statuses.slice(0, 3)).toEqual(Array(3).fill(401));
    expect(statuses.slice(3)).toEqual(Array(9).fill(429));
  });
});
