/**
 * How the pages behave around the `/auth` router: a failed form post answers 303 to the page (POST-redirect-GET,
 * so a reload never re-posts), carrying what the page shows next in a short-lived `__Host-flash` cookie (problem
 * kind, typed username, when a throttle ends; never a password). The page picks its language from
 * `Accept-Language` (src/i18n). The forced password change checks the stated rules and the confirmation before
 * anything goes to Transmit.
 */
import { type PageState, readCookie, safeReturnTo } from "@transmit-edge/hono";
import type { Context, Env, Hono, MiddlewareHandler } from "hono";
import type { HtmlEscapedString } from "hono/utils/html";
import { type Messages, pickMessages } from "./i18n/index.ts";
import { FAVICON, loginPage, passwordChangePage, STYLES } from "./pages.ts";
import { brokenRules, type PasswordRules } from "./password-rules.ts";
import type { RegionFieldProps } from "./region-field.ts";

const FLASH = "__Host-flash";
/** Longest username kept for the next page (the router accepts at most 320 characters). */
const MAX_USERNAME = 320;

/** What the page after a redirect shows. */
export interface Flash {
  /** Problem kind (`too_many_requests`, `invalid_credentials`, ...), `mismatch` or `rules`. */
  e?: string;
  /** The username as typed. */
  u?: string;
  /** Throttled until (seconds since the epoch). */
  t?: number;
  /** Broken password rules. */
  b?: string[];
  /** The region the failed login was tried in, when the person did not choose it (home-region.ts). */
  r?: string;
  /** The region the person chose on the form (kept selected). */
  c?: string;
}

/** What a failed login tells the next page about regions (the Worker's home-region routing). */
export interface RegionFlash {
  tried?: string | undefined;
  chosen?: string | undefined;
}

/** The same-origin return path as a query string for the page ("" for the default `/`). */
const query = (returnTo: string | undefined) =>
  returnTo && returnTo !== "/" ? `?returnTo=${encodeURIComponent(returnTo)}` : "";

function redirect(location: string, flash: Flash): Response {
  const value = encodeURIComponent(JSON.stringify(flash));
  return new Response(null, {
    status: 303,
    headers: {
      Location: location,
      "Set-Cookie": `${FLASH}=${value}; Max-Age=60; Path=/; Secure; HttpOnly; SameSite=Lax`,
    },
  });
}

/** Reads the flash (once: the page clears it) and the language of the request. */
export function pageContext(c: Context): { t: Messages; flash: Flash } {
  let flash: Flash = {};
  try {
    const parsed = JSON.parse(readCookie(c, FLASH) ?? "{}");
    if (parsed && typeof parsed === "object") flash = parsed;
  } catch {
    // A mangled flash is no flash.
  }
  // The pages show `u` as typed: a string or nothing.
  if (typeof flash.u !== "string") delete flash.u;
  return { t: pickMessages(c.req.header("accept-language")), flash };
}

/** An HTML page in the request's language; clears the flash it showed. */
export function page(c: Context, t: Messages, body: HtmlEscapedString | Promise<HtmlEscapedString>): Promise<Response> {
  c.header("Content-Language", t.lang);
  c.header("Vary", "Accept-Language");
  if (readCookie(c, FLASH) !== undefined)
    c.header("Set-Cookie", `${FLASH}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax`);
  return Promise.resolve(body).then((b) => c.html(b));
}

/** The username a form post carried (the login form, the password form's hidden field, or sign-up's email). */
async function typedUsername(c: Context): Promise<string | undefined> {
  try {
    const form = await c.req.formData();
    const u = form.get("username") ?? form.get("email");
    return typeof u === "string" && u.length <= MAX_USERNAME ? u : undefined;
  } catch {
    return undefined;
  }
}

/** The page of each step (account pages: src/account-pages.ts). */
const PAGES: Record<string, string> = {
  password: "/password",
  verify: "/verify",
  signup: "/signup",
  forgot: "/forgot-password",
  reset: "/reset-password",
};

/**
 * The router's renderer: every failed form post becomes a 303 to `/login` or `/password`. A required password
 * change is not an error: the password page opens without one.
 */
export function pageRenderer(now: () => number, regions?: (c: Context) => RegionFlash) {
  return async (c: Context, state: PageState): Promise<Response> => {
    const flash: Flash = {};
    if (state.error && state.error !== "password_change_required" && state.error !== "mfa_required") {
      // A second factor that ended (wrong codes, time) goes back to the password with its own message.
      flash.e = state.step === "login" && c.req.path.includes("/verify") ? "verify_again" : state.error;
    }
    const region = regions?.(c);
    if (region?.chosen) flash.c = region.chosen;
    else if (region?.tried && state.error === "invalid_credentials") flash.r = region.tried;
    const u = await typedUsername(c);
    if (u) flash.u = u;
    if (state.retryAfter) flash.t = Math.ceil(now() / 1000 + state.retryAfter);
    return redirect((PAGES[state.step] ?? "/login") + query(state.returnTo), flash);
  };
}

/**
 * `POST /auth/password` from the page: the stated rules and the confirmation are checked here, so the page can
 * say which one failed; anything else (other content types, other origins, no confirmation field) goes on to the
 * router untouched. Reads a clone of the body, so the router still gets the original.
 */
export function passwordPrecheck(rules: PasswordRules, to = "/password", field = "newPassword"): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
    const sameOrigin = c.req.header("origin") === new URL(c.req.url).origin;
    if (c.req.method !== "POST" || type !== "application/x-www-form-urlencoded" || !sameOrigin) return next();
    const form = await smallForm(c.req.raw);
    if (!form) return next();
    const password = form.get(field);
    const confirm = field === "newPassword" ? form.get("confirmPassword") : password;
    if (!password || confirm === null) return next();
    const flash: Flash = {};
    const broken = brokenRules(password, rules);
    if (broken.length > 0) {
      flash.e = "rules";
      flash.b = broken;
    } else if (confirm !== password) {
      flash.e = "mismatch";
    } else {
      return next();
    }
    const u = form.get("username") ?? form.get("email");
    if (u && u.length <= MAX_USERNAME) flash.u = u;
    return redirect(`${to}${query(safeReturnTo(c, form.get("returnTo")))}`, flash);
  };
}

/** The urlencoded body of a clone of `request` when it is at most 8 KB (the router's limit), else undefined. */
async function smallForm(request: Request): Promise<URLSearchParams | undefined> {
  const reader = request.clone().body?.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) return reader ? new URLSearchParams(text + decoder.decode()) : undefined;
      text += decoder.decode(chunk.value, { stream: true });
      if (text.length > 8192) {
        await reader?.cancel();
        return undefined;
      }
    }
  } catch {
    return undefined;
  }
}

/** The message for a flash, and the field it is about. */
export function problem(t: Messages, flash: Flash, now: () => number): string | undefined {
  if (!flash.e) return undefined;
  if (flash.e === "too_many_requests") {
    const left = typeof flash.t === "number" ? flash.t - now() / 1000 : 60;
    return t.tooMany(t.wait(Math.max(1, left)));
  }
  return t.errors[flash.e] ?? t.verifyErrors[flash.e] ?? t.errors.fallback;
}

/** The error text of a new-password page (the broken rules, or the problem kind's message) and whether the new
 * password is at fault. */
export function passwordError(t: Messages, flash: Flash, rules: PasswordRules, now: () => number) {
  const broken = Array.isArray(flash.b) ? flash.b.filter((b) => typeof b === "string") : [];
  const ruleText: Record<string, string> = { length: t.ruleLength(rules.minLength), kinds: t.ruleKinds(rules.kinds) };
  const error = flash.e === "rules" ? t.notMet(broken.flatMap((b) => ruleText[b] ?? [])) : problem(t, flash, now);
  return { broken, error, bad: flash.e === "rules" || flash.e === "password_rejected" };
}

/** The pages: sign-in, forced password change, stylesheet and icon. */
export function pageRoutes<E extends Env>(
  app: Hono<E>,
  options: {
    now: () => number;
    rules: PasswordRules;
    /** The sign-in form's region select (none: no select), given what a failed login left in the flash. */
    region?: (c: Context, flash: { tried?: unknown; chosen?: unknown }) => RegionFieldProps | undefined;
  },
): void {
  const { now, rules } = options;
  app.get("/styles.css", (c) => c.body(STYLES, 200, { "Content-Type": "text/css; charset=utf-8" }));
  app.get("/favicon.svg", (c) => c.body(FAVICON, 200, { "Content-Type": "image/svg+xml" }));
  // Browsers that ignore the page's icon link still ask for /favicon.ico: nothing to show, and no 404.
  app.get("/favicon.ico", (c) => c.body(null, 204));
  app.get("/login", (c) => {
    const { t, flash } = pageContext(c);
    const invalid = flash.e === "invalid_credentials" || flash.e === "invalid_request";
    return page(
      c,
      t,
      loginPage({
        t,
        error: problem(t, flash, now),
        invalid,
        username: flash.u,
        returnTo: safeReturnTo(c, c.req.query("returnTo")),
        notice:
          c.req.query("signedOut") !== undefined
            ? t.signedOut
            : c.req.query("signedUp") !== undefined
              ? t.signedUpNotice
              : c.req.query("passwordReset") !== undefined
                ? t.passwordResetNotice
                : undefined,
        region: options.region?.(c, { tried: flash.r, chosen: flash.c }),
      }),
    );
  });
  app.get("/password", (c) => {
    const { t, flash } = pageContext(c);
    const { broken, error, bad } = passwordError(t, flash, rules, now);
    const invalid = flash.e === "mismatch" ? "confirmPassword" : bad ? "newPassword" : undefined;
    return page(
      c,
      t,
      passwordChangePage({
        t,
        rules,
        error,
        invalid,
        broken,
        username: flash.u,
        returnTo: safeReturnTo(c, c.req.query("returnTo")),
      }),
    );
  });
}
