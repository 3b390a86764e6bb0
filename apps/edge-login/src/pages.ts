/**
 * The HTML pages, as hono/html templates: every `${value}` is escaped, nested templates are not. Plain templates
 * instead of JSX keep the JSX runtime (about 4 KB gzip) out of the Worker. Text comes from the catalogue of the
 * request's language (src/i18n).
 */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Messages } from "./i18n/index.ts";
import type { PasswordRules } from "./password-rules.ts";
import { type RegionFieldProps, regionField } from "./region-field.ts";
import { when } from "./sessions-pages.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export const layout = (t: Messages, title: string, body: Html) => html`<!DOCTYPE html>
<html lang="${t.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · transmit-edge</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/styles.css">
</head>
<body>
<main class="card">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;

/** The live region: always present so screen readers announce a message that fills it. */
export const errorRegion = (message: string | undefined) =>
  html`<p id="form-error" class="${message ? "error" : "error empty"}" role="alert" aria-live="polite">${message ?? ""}</p>`;

/** `aria-invalid` and `aria-describedby` of a field: tied to the error message when the field is at fault. */
export const tie = (invalid: boolean | undefined, hint?: string) => {
  const ids = [hint, invalid ? "form-error" : ""].filter(Boolean).join(" ");
  return html`${invalid ? html` aria-invalid="true"` : ""}${ids ? html` aria-describedby="${ids}"` : ""}`;
};

/** A status message (announced politely); nothing without text. */
export const notice = (text: string | undefined) => (text ? html`<p class="notice" role="status">${text}</p>` : "");

export const returnField = (returnTo: string | undefined) =>
  returnTo ? html`<input type="hidden" name="returnTo" value="${returnTo}">` : "";

export interface LoginPageProps {
  t: Messages;
  error?: string | undefined;
  /** Whether the error is about the credentials (ties it to both fields). */
  invalid?: boolean | undefined;
  username?: string | undefined;
  returnTo?: string | undefined;
  notice?: string | undefined;
  /** The region select (region-field.ts), when more than one region is configured. */
  region?: RegionFieldProps | undefined;
}

/** The sign-in form. Works without JavaScript: a plain same-origin form POST to the login route. */
export function loginPage({ t, error, invalid, username, returnTo, notice: message, region }: LoginPageProps): Html {
  // With the username kept after a failure, the cursor goes to the password.
  return layout(
    t,
    t.signIn,
    html`${notice(message)}
${errorRegion(error)}
<form method="post" action="/auth/login">
${returnField(returnTo)}
<label for="username">${t.username}</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="256" value="${username ?? ""}"${username ? "" : html` autofocus`}${tie(invalid)}>
<label for="password">${t.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${username ? html` autofocus` : ""}${tie(invalid)}>
${region ? regionField(region, t) : ""}
<button type="submit">${t.signIn}</button>
</form>
<p><a href="/forgot-password">${t.forgotLink}</a> · <a href="/signup">${t.signUpLink}</a></p>`,
  );
}

export interface HomePageProps {
  t: Messages;
  user: string;
  region: string;
  expiresAt: number;
  /** The list of the user's sessions (sessions-pages.ts). */
  sessions?: Html | undefined;
}

/** The signed-in view: who, which Transmit region holds the session, when it ends, and the user's sessions. */
export function homePage({ t, user, region, expiresAt, sessions }: HomePageProps): Html {
  return layout(
    t,
    t.signedIn,
    html`<dl>
<dt>${t.user}</dt><dd data-testid="user">${user}</dd>
<dt>${t.region}</dt><dd data-testid="region">${region.toUpperCase()}</dd>
<dt>${t.sessionEnds}</dt><dd>${when(t, expiresAt)}</dd>
</dl>
<form method="post" action="/auth/logout"><button type="submit" class="secondary">${t.signOut}</button></form>
${sessions ?? ""}`,
  );
}

export interface PasswordChangePageProps {
  t: Messages;
  rules: PasswordRules;
  error?: string | undefined;
  /** The field at fault: the new password (a rule, or Transmit refused it) or its confirmation. */
  invalid?: "newPassword" | "confirmPassword" | undefined;
  /** Rules the last attempt broke (`length`, `kinds`), marked in the list. */
  broken?: readonly string[] | undefined;
  /** For password managers: the account whose password changes (a hidden `autocomplete="username"` field). */
  username?: string | undefined;
  returnTo?: string | undefined;
  /** The reset link's form instead (account-pages.ts): its route and intro. */
  action?: string | undefined;
  intro?: string | undefined;
}

/** The rules list of a new-password field (`broken` ones marked); empty without rules. */
export function rulesHint(t: Messages, rules: PasswordRules, broken?: readonly string[]) {
  const list: [string, string][] = [];
  if (rules.minLength > 0) list.push(["length", t.ruleLength(rules.minLength)]);
  if (rules.kinds > 0) list.push(["kinds", t.ruleKinds(rules.kinds)]);
  const items = list.map(([id, text]) => html`<li${broken?.includes(id) ? html` class="broken"` : ""}>${text}</li>`);
  return list.length > 0 ? html`<div id="rules" class="hint">${t.rulesIntro}:<ul>${items}</ul></div>` : "";
}

/** Finish a forced password change (temporary or expired password): the rules, the new password twice. */
export function passwordChangePage(p: PasswordChangePageProps): Html {
  const { t, rules } = p;
  const hint = rulesHint(t, rules, p.broken);
  return layout(
    t,
    t.newPasswordTitle,
    html`<p>${p.intro ?? t.newPasswordIntro}</p>
${errorRegion(p.error)}
<form method="post" action="${p.action ?? "/auth/password"}">
${returnField(p.returnTo)}
<input type="text" name="username" autocomplete="username" value="${p.username ?? ""}" readonly hidden>
<label for="newPassword">${t.newPassword}</label>
${hint}
<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required maxlength="1024" autofocus${tie(p.invalid === "newPassword", hint ? "rules" : undefined)}>
<label for="confirmPassword">${t.confirmPassword}</label>
<input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required maxlength="1024"${tie(p.invalid === "confirmPassword")}>
<button type="submit">${t.changePassword}</button>
</form>`,
  );
}

/** A 16 px keyhole icon for the tab (served as /favicon.svg; /favicon.ico answers 204). */
export const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f5fd6"/><circle cx="8" cy="6.5" r="2.5" fill="#fff"/><path d="M6.8 8h2.4l.8 4.5H6z" fill="#fff"/></svg>';

/**
 * The stylesheet, served from /styles.css so the CSP needs no inline styles. Colours meet WCAG 2.2 AA in light and
 * dark mode: text >= 4.5:1 on the background, input borders and the focus ring >= 3:1 (the browser test measures
 * them). `box-sizing: border-box` keeps the card's padding inside its width (no sideways scroll at 320 px).
 */
export const STYLES = `:root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.5;--bg:#fff;--fg:#1a1a1a;\
--line:#737373;--accent:#1f5fd6;--on-accent:#fff;--error:#b3261e;--ok:#1e6b2a;--soft:#ebebeb}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#ececec;--line:#8c8c8c;--accent:#8ab4ff;--on-accent:#0d1b33;\
--error:#ff8a80;--ok:#8fd19e;--soft:#2e2e2e}}
*,::before,::after{box-sizing:border-box}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--fg)}
.card{width:min(24rem,100% - 1rem);margin:1rem .5rem;padding:clamp(1rem,6vw,2rem);border:1px solid #8886;\
border-radius:12px;overflow-wrap:anywhere}
h1{margin-top:0;font-size:1.5rem}
label{display:block;margin:1rem 0 .25rem}
input,select,button{width:100%;font:inherit;border-radius:6px}
input,select{padding:.6rem;color:inherit;background:var(--bg);border:1px solid var(--line)}
[aria-invalid=true]{border:2px solid var(--error)}
button{margin-top:1.5rem;padding:.7rem;border:0;background:var(--accent);color:var(--on-accent);cursor:pointer}
button.secondary{background:var(--soft);color:var(--fg)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
label,button,dt,.error,.broken,.notice{font-weight:600}.error,.broken{color:var(--error)}.error.empty{display:none}\
.notice{color:var(--ok)}
.hint{margin:0 0 .5rem;font-size:.9rem}.hint ul{margin:.25rem 0 0;padding-left:1.25rem}
dd{margin:0 0 .75rem}
.sessions{padding:0;list-style:none}.sessions li{padding:.5rem 0;border-top:1px solid var(--line)}
`;
