import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createWorker } from "../src/app.tsx";
import { ALICE, CITIES, harness, login, ORIGIN, sessionCookie } from "./helpers.ts";

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
    const cookie = sessionCookie(res, "__Host-session")!;
    const home = await h.fetch("/", { headers: { cookie } });
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain("alice@example.com");
    expect(html).toContain('data-testid="region">EU<');
    expect(html).toContain("<time datetime=");
    expect(html).toContain('action="/auth/logout"');
  });

  it("a wrong password redirects (303, POST-redirect-GET) to /login, which keeps the username and ties the error to the fields", async () => {
    const h = await harness();
    const res = await h.fetch("/auth/login", form({ username: "alice", password: "wrong-Password-1!" }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(sessionCookie(res, "__Host-session")).toBeUndefined();
    const flash = sessionCookie(res, "__Host-flash")!;
    expect(res.headers.getSetCookie().join("\n")).not.toContain("wrong-Password-1!");
    const page = await h.fetch("/login", { headers: { cookie: flash } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Wrong username or password.");
    expect(html).not.toContain("wrong-Password-1!");
    expect(html).toMatch(/id="username"[^>]*value="alice"/);
    for (const id of ["username", "password"]) {
      expect(html).toMatch(new RegExp(`id="${id}"[^>]*aria-invalid="true"[^>]*aria-describedby="form-error"`));
    }
    // Shown once: the page clears the flash, so a reload shows a clean form.
    expect(page.headers.getSetCookie().join()).toMatch(/__Host-flash=; Max-Age=0/);
  });

  it("a blank form has no error and no aria-invalid; every page is HTML5 in standards mode with a language", async () => {
    const h = await harness();
    for (const path of ["/login", "/password"]) {
      const html = await (await h.fetch(path)).text();
      expect(html).toMatch(/^<!DOCTYPE html>\s*<html lang="en">/);
      expect(html).not.toContain("aria-invalid");
      expect(html).toContain('class="error empty"');
      expect(html).toContain('<link rel="icon" href="/favicon.svg"');
    }
  });

  it("the page language follows Accept-Language (German), English otherwise", async () => {
    const h = await harness();
    const de = await h.fetch("/login", { headers: { "accept-language": "fr-CH, de-DE;q=0.8, en;q=0.5" } });
    expect(de.headers.get("content-language")).toBe("de");
    expect(de.headers.get("vary")).toContain("Accept-Language");
    const html = await de.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain("Benutzername oder E-Mail");
    const en = await h.fetch("/login", { headers: { "accept-language": "fr, *;q=0.1" } });
    expect(await en.text()).toContain('<html lang="en">');
  });

  it("A04 throttled: the page says when to try again in words, the same for a real and an unknown account", async () => {
    const h = await harness();
    const texts: string[] = [];
    for (const username of ["alice", "nobody-at-all"]) {
      let last: Response | undefined;
      for (let i = 0; i < 11; i++) {
        last = await h.fetch("/auth/login", {
          ...form({ username, password: `wrong-${i}-Password!` }),
          ip: `198.51.100.${i + 1}`,
        });
      }
      expect(last!.status).toBe(303);
      // Untrusted attempts stay below Transmit's lockout: 3 per 16 minutes (docs/transmit-contract.md).
      expect(Number(last!.headers.get("retry-after"))).toBe(16 * 60);
      const html = await (
        await h.fetch("/login", { headers: { cookie: sessionCookie(last!, "__Host-flash")! } })
      ).text();
      const message = /<p id="form-error"[^>]*>([^<]*)</.exec(html)?.[1];
      // 960 s, shown rounded up to the minute (the flash keeps whole seconds: 16 or 17).
      expect(message).toMatch(/^Too many attempts\. Try again in about 1[67] minutes\.$/);
      texts.push(message!);
    }
    expect(texts[0]).toBe(texts[1]);
  });

  it("a temporary password leads to the password page with no error, the rules, a confirmation and a hidden username", async () => {
    const h = await harness();
    const res = await h.fetch("/auth/login", form({ username: "tara", password: "Temporary-Pass-8!" }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/password");
    const pending = sessionCookie(res, "__Host-session-pw");
    expect(pending).toBeTruthy();
    expect(await res.text()).not.toMatch(/reset_token|resetToken/);
    const html = await (
      await h.fetch("/password", { headers: { cookie: sessionCookie(res, "__Host-flash")! } })
    ).text();
    expect(html).toContain('class="error empty"');
    expect(html).not.toContain("Sign-in failed");
    expect(html).toContain("<li>at least 14 characters</li>");
    expect(html).toContain("<li>lowercase and uppercase letters, a digit and a symbol</li>");
    expect(html).toMatch(/<input type="text" name="username" autocomplete="username" value="tara" readonly hidden/);
    expect(html).toMatch(/id="newPassword"[^>]*autocomplete="new-password"[^>]*aria-describedby="rules"/);
    expect(html).toMatch(/id="confirmPassword"[^>]*autocomplete="new-password"/);
  });

  for (const [name, fields, says, field] of [
    [
      "too short",
      { newPassword: "Aa1!", confirmPassword: "Aa1!" },
      "does not meet this rule: at least 14 characters.",
      "newPassword",
    ],
    [
      "without a digit or symbol",
      { newPassword: "OnlyLettersHereAndMore", confirmPassword: "OnlyLettersHereAndMore" },
      "does not meet this rule: lowercase and uppercase letters, a digit and a symbol.",
      "newPassword",
    ],
    [
      "not confirmed",
      { newPassword: "Brand-New-Password-42!", confirmPassword: "Brand-New-Password-43!" },
      "The two new passwords do not match.",
      "confirmPassword",
    ],
  ] as const) {
    it(`a new password ${name}: the page says which rule failed, and Transmit is not called`, async () => {
      const h = await harness();
      const res = await h.fetch("/auth/password", form({ ...fields, username: "tara" }));
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/password");
      expect(res.headers.getSetCookie().join()).not.toContain(fields.newPassword);
      const html = await (
        await h.fetch("/password", { headers: { cookie: sessionCookie(res, "__Host-flash")! } })
      ).text();
      expect(html).toContain(says);
      expect(html).toMatch(new RegExp(`id="${field}"[^>]*aria-invalid="true"`));
      expect(html).toContain('value="tara"');
      expect(h.calls("password.reset")).toBe(0);
    });
  }

  it("a confirmed new password that meets the rules changes the password and signs in", async () => {
    const h = await harness();
    const res = await h.fetch("/auth/login", form({ username: "tara", password: "Temporary-Pass-8!" }));
    const pending = sessionCookie(res, "__Host-session-pw")!;
    const fields = {
      username: "tara",
      newPassword: "Brand-New-Password-42!",
      confirmPassword: "Brand-New-Password-42!",
    };
    const changed = await h.fetch("/auth/password", {
      ...form(fields),
      headers: { ...form({}).headers, cookie: pending },
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.get("location")).toBe("/");
    const cookie = sessionCookie(changed, "__Host-session")!;
    expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(200);
    expect(h.calls("password.reset")).toBe(1);
  });

  it("B01 H04 open redirect over HTTP: /.//evil.example/x is neither echoed into the form nor followed after sign-in", async () => {
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

  it("a JSON-style form without a confirmation field still reaches the router (API clients)", async () => {
    const h = await harness();
    const res = await h.fetch("/auth/login", form({ username: "tara", password: "Temporary-Pass-8!" }));
    const pending = sessionCookie(res, "__Host-session-pw")!;
    const changed = await h.fetch("/auth/password", {
      ...form({ newPassword: "Brand-New-Password-42!" }),
      headers: { ...form({}).headers, cookie: pending },
    });
    expect(changed.status).toBe(303);
    expect((await h.fetch("/api/me", { headers: { cookie: sessionCookie(changed, "__Host-session")! } })).status).toBe(
      200,
    );
  });

  it("signing out with the form shows a confirmation on the login page", async () => {
    const h = await harness();
    const cookie = sessionCookie(await h.fetch("/auth/login", form(ALICE)), "__Host-session")!;
    const out = await h.fetch("/auth/logout", { ...form({}), headers: { ...form({}).headers, cookie } });
    expect(out.status).toBe(303);
    const location = out.headers.get("location")!;
    const html = await (await h.fetch(location)).text();
    expect(html).toContain('<p class="notice" role="status">You have signed out.</p>');
  });

  it("/favicon.ico is not a 404 and the page's icon is served", async () => {
    const h = await harness();
    expect((await h.fetch("/favicon.ico")).status).toBe(204);
    const svg = await h.fetch("/favicon.svg");
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
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
      const body = await res.text();
      expect(body).not.toMatch(/TRANSMIT_|SECRET/);
      expect(JSON.parse(body)).toEqual({
        type: "urn:transmit-edge:problem:server_error",
        title: "Server error",
        status: 500,
      });
      // The answer carries the same security headers as every other one.
      expect(res.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'; frame-ancestors 'none'/);
      expect(errors.join("\n")).toContain("TRANSMIT_US_CLIENT_ID");
      expect(errors.join("\n")).toContain("at least one region");
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
      expect(errors.join("\n")).toContain("both its client id and its secret");
    } finally {
      console.error = original;
    }
  });

  it("G01 one region is enough: only SESSION_SECRET and the EU client id and secret, the others unset", async () => {
    const unset = Object.fromEntries(
      ["US", "CA", "AU"].flatMap((r) => [`TRANSMIT_${r}_CLIENT_ID`, `TRANSMIT_${r}_CLIENT_SECRET`].map((k) => [k, ""])),
    );
    const h = await harness(unset);
    expect((await h.fetch("/login")).status).toBe(200);
    const res = await login(h, ALICE, { cf: CITIES.sydney });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-transmit-region")).toBe("eu");
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
