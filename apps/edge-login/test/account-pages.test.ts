// Sign-up and forgot password in the Worker (src/account-pages.ts + hono's account routes), inside workerd: the new
// account's home region, the pages' post-redirect-get flow, the reset link's region and code.
import { describe, expect, it } from "vitest";
import { CITIES, type Harness, harness, login, ORIGIN, sessionCookie } from "./helpers.ts";

const PASSWORD = "Fresh-Account-Pass-9!";

function form(
  h: Harness,
  path: string,
  fields: Record<string, string>,
  init: { cf?: Record<string, unknown>; cookie?: string } = {},
) {
  return h.fetch(path, {
    method: "POST",
    cf: init.cf ?? CITIES.frankfurt,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: ORIGIN,
      ...(init.cookie ? { cookie: init.cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The page a 303 leads to, with the flash cookie it set. */
async function follow(h: Harness, res: Response, cookie = ""): Promise<string> {
  expect(res.status).toBe(303);
  const flash = sessionCookie(res, "__Host-flash");
  const page = await h.fetch(res.headers.get("location") ?? "/", {
    headers: { cookie: [flash, cookie].filter(Boolean).join("; ") },
  });
  return page.text();
}

describe("sign-up and forgot password in the Worker", () => {
  it("R01 a new account is created in the nearest region and recorded as its home: a login from another country goes there", async () => {
    const h = await harness();
    const res = await form(
      h,
      "/auth/signup",
      { email: "sydney.user@example.com", password: PASSWORD },
      { cf: CITIES.sydney },
    );
    expect(res.headers.get("location")).toBe("/login?signedUp");
    expect(h.calls("users.create", "au")).toBe(1);
    expect(h.calls("users.create")).toBe(1);
    const page = await follow(h, res);
    expect(page).toContain("your account is ready");
    // From New York, with a new browser: the account's throttle object names AU as its home.
    const signIn = await login(h, { username: "sydney.user@example.com", password: PASSWORD }, { cf: CITIES.newYork });
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get("x-transmit-region")).toBe("au");
    expect(h.calls("password.authenticate", "us")).toBe(0);
    // From Frankfurt, with a new browser: an object in the eu jurisdiction never sends a login out of the EU (a
    // same-named account of another tenant could otherwise pull EU passwords out: attack3 F1, F3), so the login is
    // tried in the EU only, once, and the person chooses AU on the form.
    const fromEu = await login(
      h,
      { username: "sydney.user@example.com", password: PASSWORD },
      { cf: CITIES.frankfurt },
    );
    expect(fromEu.status).toBe(401);
    expect(fromEu.headers.get("x-transmit-region")).toBe("eu");
    expect(h.calls("password.authenticate", "au")).toBe(1);
    const chosen = await login(
      h,
      { username: "sydney.user@example.com", password: PASSWORD, region: "au" },
      { cf: CITIES.frankfurt },
    );
    expect(chosen.status).toBe(200);
    expect(chosen.headers.get("x-transmit-region")).toBe("au");
  });

  it("R01 a taken address gets the same answer and page as a free one; its owner is emailed a reset link", async () => {
    const h = await harness();
    const taken = await form(h, "/auth/signup", { email: "alice@example.com", password: PASSWORD });
    const free = await form(h, "/auth/signup", { email: "someone.new@example.com", password: PASSWORD });
    const strip = (r: Response) => [r.status, [...r.headers].filter(([k]) => k !== "date").sort()];
    expect(strip(taken)).toEqual(strip(free));
    expect(await follow(h, taken)).toEqual(await follow(h, free));
    const mail = h.emulator.outbox();
    expect(mail.map((m) => [m.region, m.to, m.kind])).toEqual([["eu", "alice@example.com", "password_reset_link"]]);
    expect(mail[0]?.link?.startsWith(`${ORIGIN}/auth/reset-password?region=eu&code=`)).toBe(true);
  });

  it("R01 the page states the password rules and refuses a weak password before anything goes to Transmit", async () => {
    const h = await harness();
    const res = await form(h, "/auth/signup", { email: "weak@example.com", password: "short" });
    expect(res.headers.get("location")).toBe("/signup");
    const page = await follow(h, res);
    expect(page).toContain("does not meet");
    expect(page).toContain('value="weak@example.com"');
    expect(h.calls("users.create")).toBe(0);
  });

  it("R02 R04 forgot password -> link -> clean reset page -> new password -> sign in; the code stays server-side", async () => {
    const h = await harness();
    const known = await form(h, "/auth/forgot-password", { username: "alice" });
    const unknown = await form(h, "/auth/forgot-password", { username: "nobody-at-all" });
    expect(known.headers.get("location")).toBe("/forgot-password?sent");
    expect([...known.headers].sort()).toEqual([...unknown.headers].sort());
    expect(await follow(h, known)).toContain("a link is on its way");
    const link = h.emulator.outbox()[0]?.link ?? "";
    const code = new URL(link).searchParams.get("code") ?? "";
    const landed = await h.fetch(link.slice(ORIGIN.length));
    expect(landed.status).toBe(303);
    expect(landed.headers.get("location")).toBe("/reset-password");
    const reset = sessionCookie(landed, "__Host-session-reset") ?? "";
    const page = await (await h.fetch("/reset-password", { headers: { cookie: reset } })).text();
    expect(page).toContain('action="/auth/reset-password"');
    expect(page).not.toContain(code);
    // Mismatched confirmation: caught on the page, nothing sent.
    const mismatch = await form(
      h,
      "/auth/reset-password",
      { newPassword: PASSWORD, confirmPassword: "other" },
      { cookie: reset },
    );
    expect(await follow(h, mismatch, reset)).toContain("do not match");
    expect(h.calls("password.reset")).toBe(0);
    const done = await form(
      h,
      "/auth/reset-password",
      { newPassword: PASSWORD, confirmPassword: PASSWORD },
      { cookie: reset },
    );
    expect(done.headers.get("location")).toBe("/login?passwordReset");
    expect(sessionCookie(done)).toBeUndefined();
    expect(await follow(h, done)).toContain("Your password has been changed");
    expect((await login(h, { username: "alice", password: PASSWORD })).status).toBe(200);
    // The code never shows in the Worker's logs.
    expect(h.logs.join("\n")).not.toContain(code);
    // Replayed: the page says the link is spent.
    const again = sessionCookie(await h.fetch(link.slice(ORIGIN.length)), "__Host-session-reset") ?? "";
    const replay = await form(
      h,
      "/auth/reset-password",
      { newPassword: `${PASSWORD}x`, confirmPassword: `${PASSWORD}x` },
      { cookie: again },
    );
    expect(await follow(h, replay)).toContain("invalid, used or expired");
  });

  it("R04 a reset link naming an unconfigured region is refused without any upstream call", async () => {
    const h = await harness({ TRANSMIT_CA_CLIENT_ID: "", TRANSMIT_CA_CLIENT_SECRET: "" });
    const res = await h.fetch("/auth/reset-password?region=ca&code=abc");
    expect(res.headers.get("location")).toBe("/reset-password?invalid");
    expect(sessionCookie(res, "__Host-session-reset")).toBeUndefined();
    const proto = await h.fetch("/auth/reset-password?region=constructor&code=abc");
    expect(proto.headers.get("location")).toBe("/reset-password?invalid");
    expect(h.calls()).toBe(0);
  });

  it("the sign-in page links to sign-up and forgot password; the pages render in German too", async () => {
    const h = await harness();
    const loginPage = await (await h.fetch("/login")).text();
    expect(loginPage).toContain('href="/signup"');
    expect(loginPage).toContain('href="/forgot-password"');
    const de = await (await h.fetch("/signup", { headers: { "accept-language": "de" } })).text();
    expect(de).toContain("Konto erstellen");
    expect(de).toContain('autocomplete="new-password"');
    const noLink = await (await h.fetch("/reset-password")).text();
    expect(noLink).toContain("invalid, used or expired");
  });
});
