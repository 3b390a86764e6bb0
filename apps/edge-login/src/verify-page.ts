/**
 * The second factor's page, `/verify`: the code (from an authenticator app, or sent by email or SMS on request) for
 * the pending login the router keeps, or to step a signed-in session up. Plain form posts to the router's
 * `/auth/verify` and `/auth/verify/send` (@transmit-edge/hono); failures come back here through the flash.
 */
import { safeReturnTo } from "@transmit-edge/hono";
import type { Env, Hono } from "hono";
import { html } from "hono/html";
import type { Messages } from "./i18n/index.ts";
import { page, pageContext, problem } from "./page-flow.ts";
import { errorRegion, layout, notice, returnField, tie } from "./pages.ts";

const METHODS = ["totp", "email", "sms"] as const;

interface VerifyPageProps {
  t: Messages;
  error?: string | undefined;
  /** Whether the error is about the code field. */
  invalid: boolean;
  /** The channel a code was just sent to (selected, and said). */
  sent?: string | undefined;
  returnTo?: string | undefined;
}

/** The code form, and a second form that asks for a code by email or SMS. Works without JavaScript. */
export function verifyPage({ t, error, invalid, sent, returnTo }: VerifyPageProps) {
  const selected = sent ?? "totp";
  const options = METHODS.map(
    (m) => html`<option value="${m}"${m === selected ? html` selected` : ""}>${t.methods[m]}</option>`,
  );
  const sends = METHODS.slice(1).map(
    (m) => html`<button type="submit" name="method" value="${m}" class="secondary">${t.sendBy(m)}</button>`,
  );
  return layout(
    t,
    t.verifyTitle,
    html`<p>${t.verifyIntro}</p>
${notice(sent && t.codeSent(sent))}
${errorRegion(error)}
<form method="post" action="/auth/verify">
${returnField(returnTo)}
<label for="code">${t.code}</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" required minlength="4" maxlength="10" autofocus${tie(invalid)}>
<label for="method">${t.codeFrom}</label>
<select id="method" name="method">${options}</select>
<button type="submit">${t.verify}</button>
</form>
<form method="post" action="/auth/verify/send">
${returnField(returnTo)}
${sends}
</form>`,
  );
}

/** `GET /verify`. */
export function verifyRoutes<E extends Env>(app: Hono<E>, now: () => number): void {
  app.get("/verify", (c) => {
    const { t, flash } = pageContext(c);
    const sent = c.req.query("sent");
    const error = flash.e ? (t.verifyErrors[flash.e] ?? problem(t, flash, now)) : undefined;
    return page(
      c,
      t,
      verifyPage({
        t,
        error,
        invalid: flash.e === "invalid_code" || flash.e === "invalid_request",
        sent: sent === "email" || sent === "sms" ? sent : undefined,
        returnTo: safeReturnTo(c, c.req.query("returnTo")),
      }),
    );
  });
}
