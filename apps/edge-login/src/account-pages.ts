/**
 * The account pages around the router's account routes (@transmit-edge/hono, account-routes.ts): `/signup`,
 * `/forgot-password` and `/reset-password`, where the reset email's link ends up (the link itself lands on
 * `/auth/reset-password`, which keeps its code server-side and sends the browser here with a clean URL). Failed
 * posts come back through the same flash as the sign-in page (page-flow.ts). The answers after sign-up and forgot
 * password are the same whether or not an account exists (SECURITY.md, "Account enumeration").
 */

import { readCookie } from "@transmit-edge/hono";
import type { Env, Hono } from "hono";
import { html } from "hono/html";
import { page, pageContext, passwordError, problem } from "./page-flow.ts";
import { errorRegion, layout, notice, passwordChangePage, rulesHint, tie } from "./pages.ts";
import type { PasswordRules } from "./password-rules.ts";

/** Mounts the account pages. */
export function accountPages<E extends Env>(
  app: Hono<E>,
  options: { now: () => number; rules: PasswordRules; resetCookie: string },
): void {
  const { now, rules } = options;
  app.get("/signup", (c) => {
    const { t, flash } = pageContext(c);
    const { broken, error, bad } = passwordError(t, flash, rules, now);
    const email = flash.u ?? "";
    const badEmail = flash.e === "invalid_request";
    const message = badEmail ? t.signUpInvalid : error;
    const hint = rulesHint(t, rules, broken);
    return page(
      c,
      t,
      layout(
        t,
        t.signUpTitle,
        html`${errorRegion(message)}
<form method="post" action="/auth/signup">
<label for="email">${t.email}</label>
<input id="email" name="email" type="email" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="254" value="${email}"${email ? "" : html` autofocus`}${tie(badEmail)}>
<label for="password">${t.password}</label>
${hint}
<input id="password" name="password" type="password" autocomplete="new-password" required maxlength="1024"${email ? html` autofocus` : ""}${tie(bad, hint ? "rules" : undefined)}>
<button type="submit">${t.signUpTitle}</button>
</form>
<p><a href="/login">${t.haveAccount}</a></p>`,
      ),
    );
  });
  app.get("/forgot-password", (c) => {
    const { t, flash } = pageContext(c);
    const sent = c.req.query("sent") !== undefined;
    return page(
      c,
      t,
      layout(
        t,
        t.forgotTitle,
        html`${notice(sent ? t.resetSent : undefined)}
<p>${t.forgotIntro}</p>
${errorRegion(flash.e === "invalid_request" ? t.forgotInvalid : problem(t, flash, now))}
<form method="post" action="/auth/forgot-password">
<label for="username">${t.username}</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="256" value="${flash.u ?? ""}" autofocus${tie(flash.e === "invalid_request")}>
<button type="submit">${t.sendLink}</button>
</form>
<p><a href="/login">${t.signIn}</a></p>`,
      ),
    );
  });
  app.get("/reset-password", (c) => {
    const { t, flash } = pageContext(c);
    // Without a landed link (or after it was spent or ran out) there is nothing to reset with: say so, and offer a
    // new link. Only the cookie's presence is read here; the router checks the record.
    let landed = false;
    try {
      landed = readCookie(c, `__Host-${options.resetCookie}`) !== undefined;
    } catch {}
    if (!landed || c.req.query("invalid") !== undefined || flash.e === "unauthorized") {
      return page(
        c,
        t,
        layout(
          t,
          t.forgotTitle,
          html`${errorRegion(t.resetInvalid)}<p><a href="/forgot-password">${t.sendLink}</a></p>`,
        ),
      );
    }
    const { broken, error, bad } = passwordError(t, flash, rules, now);
    return page(
      c,
      t,
      passwordChangePage({
        t,
        rules,
        error,
        invalid: flash.e === "mismatch" ? "confirmPassword" : bad ? "newPassword" : undefined,
        broken,
        action: "/auth/reset-password",
        intro: t.resetIntro,
      }),
    );
  });
}
