/**
 * Key rotation at Transmit over real sockets, plus the token endpoint and the JWKS being down, for the core client
 * and the Hono router. Each emulator CLI generates its own region key at start, so two CLIs behind a loopback proxy
 * stand in for the region before and after a rotation (new `kid`): the client keeps one base URL throughout.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createTransmitClient, type TransmitClientOptions } from "@transmit-edge/core";
import { type AuthEvent, memorySessionStore, passwordLogin } from "@transmit-edge/hono";
import { Hono } from "hono";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EmulatorCli, startEmulatorCli } from "./emulator-cli.ts";
import { DEMO_PASSWORD, failure, timed } from "./helpers.ts";

const ALICE = { username: "alice", password: DEMO_PASSWORD };
const ORIGIN = "https://app.example";

let before: EmulatorCli;
let after: EmulatorCli;
let upstream: EmulatorCli;
let proxy: Server;
let proxyUrl: string;

/** Forwards every request to whichever emulator is `upstream` now. */
function startProxy(): Promise<Server> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string" && name !== "host" && name !== "connection") headers.set(name, value);
    }
    try {
      const answer = await fetch(`${upstream.url}${req.url}`, {
        method: req.method ?? "GET",
        headers,
        ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
      });
      const body = Buffer.from(await answer.arrayBuffer());
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (k !== "content-encoding" && k !== "transfer-encoding" && k !== "connection") out[k] = v;
      });
      res.writeHead(answer.status, out).end(body);
    } catch {
      res.destroy();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  [before, after] = await Promise.all([startEmulatorCli(["eu"]), startEmulatorCli(["eu"])]);
  proxy = await startProxy();
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await Promise.all([before?.stop(), after?.stop()]);
});

beforeEach(async () => {
  upstream = before;
  await Promise.all([before.reset(), after.reset()]);
});

function client(offset: { ms: number }, overrides: Partial<TransmitClientOptions> = {}) {
  return createTransmitClient({
    region: "eu",
    baseUrl: `${proxyUrl}/eu`,
    allowInsecureLoopback: true,
    clientId: "demo-client-eu",
    clientSecret: "demo-secret-eu",
    retry: { baseDelayMs: 20 },
    now: () => Date.now() + offset.ms,
    ...overrides,
  });
}

describe("key rotation at Transmit (new kid) over sockets", () => {
  it("the two stand-ins publish different kids", async () => {
    const kids = await Promise.all(
      [before, after].map(async (e) => {
        const jwks = (await (await fetch(`${e.root("eu")}/cis/oidc/jwks`)).json()) as { keys: { kid: string }[] };
        return jwks.keys.map((k) => k.kid).join();
      }),
    );
    expect(kids[0]).not.toBe(kids[1]);
  });

  it("core: after the rotation the client replaces its rejected client token once and verifies the new kid after one JWKS refetch", async () => {
    const offset = { ms: 0 };
    const transmit = client(offset);
    const old = await transmit.passwords.authenticate(ALICE);
    expect((await transmit.tokens.verifyIdToken(old.idToken!)).sub).toBe("demo-eu-alice");

    upstream = after;
    const fresh = await transmit.passwords.authenticate(ALICE);
    // G02: the old client token is refused before the password is looked at, a new one fetched, the call repeated once.
    expect((await after.recorded("password.authenticate")).map((c) => c.status)).toEqual([401, 200]);
    expect(await after.recorded("oidc.token")).toHaveLength(1);
    expect(decodeProtectedHeader(fresh.idToken!).kid).not.toBe(decodeProtectedHeader(old.idToken!).kid);
    offset.ms = 31_000; // past the 30 s refetch cooldown
    expect((await transmit.tokens.verifyIdToken(fresh.idToken!)).sub).toBe("demo-eu-alice");
    expect(await after.recorded("jwks")).toHaveLength(1);
    expect((await failure(transmit.tokens.verifyIdToken(old.idToken!))).code).toBe("token_invalid");
  });

  it("router: a rotation inside the JWKS cooldown fails closed (502, no cookie, one password POST), then logins recover", async () => {
    const offset = { ms: 0 };
    const events: AuthEvent[] = [];
    const app = new Hono();
    app.route(
      "/auth",
      passwordLogin({
        client: client(offset),
        sessions: memorySessionStore(),
        limiter: "none",
        timeoutMs: 2000,
        onEvent: (e) => {
          events.push(e);
        },
      }),
    );
    const post = () =>
      Promise.resolve(
        app.request(`${ORIGIN}/auth/login`, {
          method: "POST",
          headers: { origin: ORIGIN, "content-type": "application/json" },
          body: JSON.stringify(ALICE),
        }),
      );
    expect((await post()).status).toBe(200);

    upstream = after;
    const inCooldown = await post();
    expect(inCooldown.status).toBe(502);
    expect(inCooldown.headers.getSetCookie()).toHaveLength(0);
    expect(events.at(-1)?.reason).toBe("token_unverified");

    offset.ms = 31_000;
    const { value: recovered, ms } = await timed(post);
    expect(recovered.status).toBe(200);
    expect(recovered.headers.getSetCookie()).toHaveLength(1);
    expect(ms).toBeLessThan(2000);
    // Password POSTs on the new region: the refused one (old client token), the cooldown one, the recovered one.
    expect((await after.recorded("password.authenticate")).map((c) => c.status)).toEqual([401, 200, 200]);
  });
});

describe("core client over a socket: token endpoint and JWKS down", () => {
  it("token endpoint down: upstream_unavailable after 3 tries with backoff, no password POST, within the deadline", async () => {
    const transmit = client({ ms: 0 });
    await before.injectFault({ route: "oidc.token", status: 503, times: 3 });
    const { value: error, ms } = await timed(() => failure(transmit.passwords.authenticate(ALICE)));
    expect(error.code).toBe("upstream_unavailable");
    expect(error.route).toBe("token");
    expect(await before.recorded("oidc.token")).toHaveLength(3);
    expect(await before.recorded("password.authenticate")).toHaveLength(0);
    expect(ms).toBeLessThan(2000);
  });

  it("token endpoint dropping connections: retried (nothing is lost by asking again), then the login succeeds", async () => {
    const transmit = client({ ms: 0 });
    await before.injectFault({ route: "oidc.token", drop: "before", times: 2 });
    await transmit.passwords.authenticate(ALICE);
    expect(await before.recorded("oidc.token")).toHaveLength(3);
    expect(await before.recorded("password.authenticate")).toHaveLength(1);
  });

  it("JWKS down: verification reports upstream_unavailable after the retries, and works once it is back", async () => {
    const offset = { ms: 0 };
    const transmit = client(offset);
    const tokens = await transmit.passwords.authenticate(ALICE);
    await before.injectFault({ route: "jwks", status: 503, times: 3 });
    const { value: error, ms } = await timed(() => failure(transmit.tokens.verifyIdToken(tokens.idToken!)));
    expect(error.code).toBe("upstream_unavailable");
    expect(error.route).toBe("jwks");
    expect(await before.recorded("jwks")).toHaveLength(3);
    expect(ms).toBeLessThan(2000);
    // Core remembers a failed cold load for 2 s (docs/core-reliability.md, "JWKS"): step past it.
    offset.ms += 2000;
    expect((await transmit.tokens.verifyIdToken(tokens.idToken!)).sub).toBe("demo-eu-alice");
  });

  it("JWKS hanging: timeout within the deadline", async () => {
    const transmit = client({ ms: 0 });
    const tokens = await transmit.passwords.authenticate(ALICE);
    await before.injectFault({ route: "jwks", hang: true });
    const { value: error, ms } = await timed(() =>
      failure(transmit.tokens.verifyIdToken(tokens.idToken!, { timeoutMs: 400 })),
    );
    expect(error.code).toBe("timeout");
    expect(ms).toBeLessThan(1400);
  });
});
