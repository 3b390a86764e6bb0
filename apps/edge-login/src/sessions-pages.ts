/**
 * The signed-in page's list of the user's sessions (ASVS 7.5.2): device, region, last seen, "this device", an End
 * button for each other session and "Sign out everywhere". Plain form posts to the router (PRG), no JavaScript.
 */
import type { SessionList } from "@transmit-edge/hono";
import { html } from "hono/html";
import type { Messages } from "./i18n/index.ts";

/** A time as the page shows it (UTC), with its machine-readable value. */
export const when = (t: Messages, ms: number) => {
  const d = new Date(ms);
  return html`<time datetime="${d.toISOString()}">${d.toLocaleString(t.lang, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" })} UTC</time>`;
};

export function sessionsSection(t: Messages, { sessions }: SessionList) {
  const items = sessions.map((s) => {
    const device = s.device ?? t.unknownDevice;
    return html`<li data-testid="session"><b>${device}</b> · ${(s.region ?? "?").toUpperCase()}<br>${t.lastSeen}: ${when(t, s.lastSeenAt * 1000)}
${s.current ? html`<br><strong>${t.thisDevice}</strong>` : html`<form method="post" action="/auth/sessions/end"><input type="hidden" name="handle" value="${s.handle}"><button type="submit" class="secondary" aria-label="${t.endSession}: ${device}">${t.endSession}</button></form>`}</li>`;
  });
  return html`<h2>${t.sessionsTitle}</h2>
<ul class="sessions">${items}</ul>
<form method="post" action="/auth/logout-all"><button type="submit" class="secondary">${t.signOutEverywhere}</button></form>`;
}
