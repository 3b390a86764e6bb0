import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { RoutableRegion } from "./config.ts";
import { REGION_NAMES } from "./home-region.ts";

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
export function regionField({
  regions,
  selected,
  guess,
  tried,
}: RegionFieldProps): HtmlEscapedString | Promise<HtmlEscapedString> {
  const note = tried
    ? html`<p id="region-note" class="notice">We tried ${REGION_NAMES[tried]}. If your account was created in another region, choose it below and sign in again.</p>`
    : "";
  const option = (value: string, label: string, on: boolean) =>
    html`<option value="${value}"${on ? html` selected=""` : ""}>${label}</option>`;
  return html`${note}<label for="region">Region of your account</label><select id="region" name="region"${
    tried ? html` aria-describedby="region-note"` : ""
  }>${option("", `Automatic (${REGION_NAMES[guess]})`, !selected)}${regions.map((r) =>
    option(r, REGION_NAMES[r], selected === r),
  )}</select>`;
}
