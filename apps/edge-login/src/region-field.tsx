/** @jsxImportSource hono/jsx */
import type { FC } from "hono/jsx";
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
 * The `region` select. "Automatic" (the default) lets the Worker use the account's home region, the browser's
 * remembered region or the nearest one; choosing a region sends the password there and nowhere else.
 */
export const RegionField: FC<RegionFieldProps> = ({ regions, selected, guess, tried }) => (
  <>
    {tried ? (
      <p id="region-note" class="notice">
        We tried {REGION_NAMES[tried]}. If your account was created in another region, choose it below and sign in
        again.
      </p>
    ) : null}
    <label for="region">Region of your account</label>
    <select id="region" name="region" aria-describedby={tried ? "region-note" : undefined}>
      <option value="" selected={!selected}>
        Automatic ({REGION_NAMES[guess]})
      </option>
      {regions.map((r) => (
        <option value={r} selected={selected === r}>
          {REGION_NAMES[r]}
        </option>
      ))}
    </select>
  </>
);
