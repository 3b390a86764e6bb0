import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createWorker } from "../src/app.tsx";
import { ALICE, harness, login, ORIGIN, sessionCookie } from "./helpers.ts";

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, ...headers },
  body: new URLSearchParams(fields).toString(),
  redirect: "manual" as const,
});

function expectSecurityHeaders(res: Response) {
  const hsts = res.headers.get("strict-transport-security") ?? "";
  expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBeTruthy();
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("content-type")).toMatch(/charset=utf-8/i);
}

describe("pages", () => {
  it("GET /login is an accessible form that works without JavaScript, under a strict CSP (E01)", async () => {
    const h = await harness();
    const res = await h.fetch("/login");
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("script-src");
    const html = await res.text();
    expect(html).toContain('<form method="post" action="/auth/login"');
    expect(html).toContain('<label for="username">');
    expect(html).toContain('<label for="password">');
    expect(html).toContain('autocomplete="username"');
    expect(html).toContain('autocomplete="current-password"');
    expect(html).toMatch(/role="alert" aria-live="polite"/);
    expect(html).not.toContain("<script");
    expect(html).not.toMatch(/style="/);
  });

  it("a form sign-in redirects (303) to the signed-in page, which shows the user, region and expiry", async () => {
    const h = await harness();
    const res = await h.fetch("/auth/login", form(ALICE));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const cookie = sessionCookie(res)!;
    const home = await h.fetch("/", { headers: { cookie } });
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain("alice@example.com");
    expect(html).toContain('data-testid="region">EU<');
    expect(html).toContain("<time datetime=");
    expect(html).toContain('action="/auth/logout"');
  });

  it("a wrong password re-renders the login page with the error in the live region, status 401", async () => {
    const h = await harness();
    const res = await h.fetch("/auth/login", form({ username: "alice", password: "wrong-Password-1!" }));
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("Wrong username or password.");
    expect(html).not.toContain("wrong-Password-1!");
    expect(sessionCookie(res)).toBeUndefined();
  });

  it("a temporary password leads to the password-change page, and the new password signs in", async () => {
    const h = await harness();
    const res = await h.fetch("/auth/login", form({ username: "tara", password: "Temporary-Pass-8!" }));
    expect([303, 403]).toContain(res.status);
    const pending = res.headers
      .getSetCookie()
      .find((l) => l.startsWith("__Host-"))
      ?.split(";")[0];
    expect(pending).toBeTruthy();
    const body = await res.text();
    expect(body).not.toMatch(/reset_token|resetToken/);
    const changed = await h.fetch("/auth/password", {
      ...form({ newPassword: "Brand-New-Password-42!" }),
      headers: { ...form({}).headers, cookie: pending! },
    });
    expect([200, 303]).toContain(changed.status);
    const cookie = sessionCookie(changed)!;
    expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(200);
    expect(h.calls("password.reset")).toBe(1);
  });

  it("B01 open redirect over HTTP: /.//evil.example/x is neither echoed into the form nor followed after sign-in", async () => {
    const h = await harness();
    const page = await (await h.fetch(`/login?returnTo=${encodeURIComponent("/.//evil.example/x")}`)).text();
    expect(page).not.toContain("evil.example");
    expect(page).not.toContain('name="returnTo"');
    const safe = await (await h.fetch(`/login?returnTo=${encodeURIComponent("/account?tab=2")}`)).text();
    expect(safe).toContain('name="returnTo" value="/account?tab=2"');
    const res = await h.fetch("/auth/login", form({ ...ALICE, returnTo: "/.//evil.example/x" }));
    expect(res.status).toBe(303);
    const location = res.headers.get("location");
    expect(location).toBe("/");
    expect(new URL(location ?? "", ORIGIN).origin).toBe(ORIGIN);
  });

  it("GET / without a session redirects to /login", async () => {
    const h = await harness();
    const res = await h.fetch("/", { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
  });

  it("the stylesheet is served as CSS", async () => {
    const h = await harness();
    const res = await h.fetch("/styles.css");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/css/);
  });

  it("E01 security headers and no-store on JSON login answers, 404s and pages", async () => {
    const h = await harness();
    for (const res of [await login(h, ALICE), await h.fetch("/nope"), await h.fetch("/login")]) {
      expectSecurityHeaders(res);
    }
    const res = await login(h, ALICE);
    expect(res.headers.get("cache-control")).toContain("no-store");
  });
});

describe("configuration", () => {
  it("G01 no region configured: generic 500, and the log names the missing keys but no value", async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(" "));
    try {
      const worker = createWorker();
      // Blank every credential explicitly: a local .dev.vars (written by `pnpm dev`) would otherwise fill them in.
      const blank = Object.fromEntries(
        ["US", "EU", "CA", "AU"].flatMap((r) =>
          [`TRANSMIT_${r}_CLIENT_ID`, `TRANSMIT_${r}_CLIENT_SECRET`].map((k) => [k, ""]),
        ),
      );
      const bare = { ...env, ...blank, SESSION_SECRET: "a-session-secret-that-is-long-enough-000" } as unknown as Env;
      const res = await worker.fetch(new Request(`${ORIGIN}/login`), bare, {} as ExecutionContext);
      expect(res.status).toBe(500);
      expect(await res.text()).not.toMatch(/TRANSMIT_|SECRET/);
      expect(errors.join("\n")).toContain("TRANSMIT_US_CLIENT_ID");
      expect(errors.join("\n")).not.toContain("a-session-secret-that-is-long-enough-000");
    } finally {
      console.error = original;
    }
  });

  it("G01 a client id without its secret fails closed and names the missing secret", async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(" "));
    try {
      const h = await harness({ TRANSMIT_CA_CLIENT_SECRET: "" });
      const res = await h.fetch("/login");
      expect(res.status).toBe(500);
      expect(errors.join("\n")).toContain("TRANSMIT_CA_CLIENT_SECRET");
    } finally {
      console.error = original;
    }
  });

  it("G03 a non-https base URL is refused unless loopback is explicitly allowed", async () => {
    const h = await harness({ ALLOW_INSECURE_LOOPBACK: "false" });
    const res = await login(h, ALICE);
    expect(res.status).toBe(500);
    expect(h.calls()).toBe(0);
  });
});

describe("upstream faults (E02)", () => {
  for (const [name, fault, status] of [
    ["a 500", { status: 500 }, 502],
    ["a 503", { status: 503 }, 503],
    ["an HTML error page", { status: 502, body: "<html><body>Bad gateway</body></html>" }, 502],
    ["a dropped connection", { drop: "before" }, 502],
  ] as const) {
    it(`${name} from Transmit gives a generic ${status}-range answer with no upstream body and no cookie`, async () => {
      const h = await harness();
      h.emulator.injectFault({ route: "password.authenticate", times: 1, ...fault } as never);
      const res = await login(h, ALICE);
      expect(res.status).toBeGreaterThanOrEqual(502);
      expect(res.status).toBeLessThanOrEqual(504);
      const text = await res.text();
      expect(text).not.toContain("<html>");
      expect(text).not.toContain("Bad gateway");
      expect(res.headers.getSetCookie()).toHaveLength(0);
      expect(h.calls("password.authenticate")).toBe(1);
    });
  }
});
