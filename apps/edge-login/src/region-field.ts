import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { RoutableRegion } from "./config.ts";
import type { Messages } from "./i18n/index.ts";

/** What the login form shows about regions (only when more than one region is configured). */
export interface RegionFieldProps {
  /** The configured regions, in the order to list them. */
  regions: readonly RoutableRegion[];
  /** The region chosen on the form; undefined: "automatic". */
  selected?: RoutableRegion | undefined;
  /** The best guess without an account (remembered region, else nearest): the label of "automatic". */
  guess: RoutableRegion;
  /** After wrong credentials in a region the person did not choose: the region that was tried. */
  tried?: RoutableRegion | undefined;
}

/**
 * The `region` select, as a plain template (it fits JSX and template pages alike). "Automatic" (the default) lets the
 * Worker use the account's home region, the browser's remembered region or the nearest one; choosing a region sends
 * the password there and nowhere else.
 */
export function regionField(
  { regions, selected, guess, tried }: RegionFieldProps,
  t: Messages,
): HtmlEscapedString | Promise<HtmlEscapedString> {
  const name = (r: RoutableRegion) => `${t.regionNames[r]} (${r.toUpperCase()})`;
  const note = tried ? html`<p id="region-note" class="notice" role="status">${t.regionTried(name(tried))}</p>` : "";
  const option = (value: string, label: string, on: boolean) =>
    html`<option value="${value}"${on ? html` selected=""` : ""}>${label}</option>`;
  return html`${note}<label for="region">${t.regionLabel}</label><select id="region" name="region"${
    tried ? html` aria-describedby="region-note"` : ""
  }>${option("", t.regionAutomatic(t.regionNames[guess]), !selected)}${regions.map((r) => option(r, name(r), selected === r))}</select>`;
}
