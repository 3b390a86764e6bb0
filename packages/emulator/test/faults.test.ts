import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type FaultSpec, isEmulatedDrop } from "../src/index.js";
import { clientToken, json, login, makeEmulator, ORIGIN, PASSWORD, tokenRequest } from "./helpers.js";

const emulator = makeEmulator();
let token: string;
beforeEach(async () => {
  await emulator.reset();
  token = await clientToken(emulator);
});
afterAll(() => emulator.close());

function fault(spec: FaultSpec): Promise<Response> {
  return emulator.fetch(
    new Request(`${ORIGIN}/__emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(spec),
    }),
  );
}
const right = (signal?: AbortSignal) =>
  emulator.fetch(
    new Request(`${ORIGIN}/eu/cis/v1/auth/password/authenticate`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ username: "alice", password: PASSWORD }),
      ...(signal ? { signal } : {}),
    }),
  );

describe("injected faults", () => {
  it("answers the injected status, body and Retry-After for the next `times` calls, then recovers", async () => {
    expect((await fault({ route: "password.authenticate", times: 2, status: 429, retry_after: 7 })).status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const res = await right();
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("7");
    }
    expect((await right()).status).toBe(200);
  });

  it("sends a string body verbatim (HTML or truncated JSON)", async () => {
    await fault({ route: "jwks", status: 502, body: "<html><body>Bad gateway</body></html>" });
    await fault({ route: "oidc.token", status: 200, body: '{"access_token": "ey' });
    const html = await emulator.fetch(new Request(`${ORIGIN}/eu/cis/oidc/jwks`));
    expect(html.status).toBe(502);
    expect(html.headers.get("content-type")).toContain("text/html");
    expect(await html.text()).toContain("Bad gateway");
    const truncated = await emulator.fetch(tokenRequest("eu"));
    expect(truncated.status).toBe(200);
    await expect(truncated.json()).rejects.toThrow();
  });

  it("sends a JSON body as given", async () => {
    await fault({ route: "token.refresh", status: 500, body: { message: "boom", error_code: 500 } });
    const res = await emulator.fetch(
      new Request(`${ORIGIN}/eu/cis/v1/auth/token/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: "{}",
      }),
    );
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: "boom", error_code: 500 });
  });

  it("delays the answer by latency_ms", async () => {
    await fault({ route: "password.authenticate", latency_ms: 150 });
    const started = performance.now();
    expect((await right()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("latency: a caller that aborts during the delay is released at once", async () => {
    // A delay far longer than the test's own timeout: the call can only end inside the test if the abort released it,
    // so no wall-clock bound is needed (and none can flake on a busy machine).
    await fault({ route: "password.authenticate", latency_ms: 3_600_000 });
    await expect(right(AbortSignal.timeout(50))).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("applies only to the given region", async () => {
    await fault({ route: "oidc.token", region: "us", status: 503 });
    expect((await emulator.fetch(tokenRequest("eu"))).status).toBe(200);
    expect((await emulator.fetch(tokenRequest("us"))).status).toBe(503);
    expect((await emulator.fetch(tokenRequest("us"))).status).toBe(200);
  });

  it("drop before: the call rejects like a network error and changes nothing", async () => {
    await fault({ route: "password.authenticate", drop: "before" });
    const bad = () => login(emulator, token, { username: "alice", password: "Wrong-Password-1!" });
    const error = await bad().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(isEmulatedDrop(error)).toBe(true);
    // The dropped call did not count as a failure: 5 more are needed to lock.
    for (let i = 0; i < 4; i++) await bad();
    expect((await right()).status).toBe(200);
  });

  it("drop after: the state changes but the answer is lost", async () => {
    const bad = () => login(emulator, token, { username: "alice", password: "Wrong-Password-1!" });
    for (let i = 0; i < 4; i++) await bad();
    await fault({ route: "password.authenticate", drop: "after" });
    await expect(bad()).rejects.toBeInstanceOf(TypeError);
    // The lost call was processed: it was the fifth failure.
    expect((await right()).status).toBe(403);
    const log = emulator.requests({ route: "password.authenticate" });
    expect(log.at(-2)).toMatchObject({ status: null, fault: "drop after" });
  });

  it("hang: never answers until the caller aborts, then rejects with the abort reason", async () => {
    await fault({ route: "password.authenticate", hang: true });
    const controller = new AbortController();
    const pending = right(controller.signal);
    const outcome = await Promise.race([
      pending.then(() => "answered"),
      new Promise((r) => setTimeout(() => r("pending"), 100)),
    ]);
    expect(outcome).toBe("pending");
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect((await right()).status).toBe(200);
  });

  it("hang: close() releases hanging calls", async () => {
    const other = makeEmulator({ regions: ["eu"] });
    other.injectFault({ route: "jwks", hang: true });
    const pending = other.fetch(new Request(`${ORIGIN}/eu/cis/oidc/jwks`));
    await new Promise((r) => setTimeout(r, 20));
    other.close();
    await expect(pending).rejects.toThrow("Emulator closed");
  });

  it("rejects invalid fault specs with 400", async () => {
    for (const spec of [
      { route: "nope" },
      { route: "jwks", times: 0 },
      { route: "jwks", drop: "sideways" },
      { route: "jwks", status: 99 },
      { route: "jwks", region: "mars" },
    ]) {
      const res = await fault(spec as FaultSpec);
      expect(res.status).toBe(400);
      expect((await json(res)).error_code).toBe(400);
    }
  });

  it("lists and clears pending faults", async () => {
    await fault({ route: "jwks", status: 500, times: 3 });
    const list = await json(await emulator.fetch(new Request(`${ORIGIN}/__emulator/faults`)));
    expect(list.faults).toEqual([expect.objectContaining({ route: "jwks", remaining: 3 })]);
    await emulator.fetch(new Request(`${ORIGIN}/__emulator/faults`, { method: "DELETE" }));
    expect((await emulator.fetch(new Request(`${ORIGIN}/eu/cis/oidc/jwks`))).status).toBe(200);
  });
});
