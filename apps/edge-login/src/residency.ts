/**
 * Data residency of the Worker's Durable Objects (docs/regions.md, "Where the Worker's data lives"). A session of a
 * user whose account lives in Transmit's EU region is created in Cloudflare's `eu` jurisdiction, so its data is
 * stored and processed only in the EU. Object names are hashes (never a username, email or cookie value), because
 * Durable Object ids show up in logs and dashboards outside the jurisdiction.
 */
import type { RoutableRegion } from "./config.ts";

/** The jurisdiction that must hold the session data of each Transmit region's users; none for the others. */
export const JURISDICTIONS: Partial<Record<RoutableRegion, DurableObjectJurisdiction>> = { eu: "eu" };

/**
 * First character of the session ids whose object lives in a jurisdiction: a request finds its object without a
 * lookup. The other 255.9 bits of the id stay random; ids outside a jurisdiction never start with a marker.
 */
const MARKERS: Partial<Record<DurableObjectJurisdiction, string>> = { eu: "e" };

/** Where the session data of `region` must live. */
export function jurisdictionOf(region: string | undefined): DurableObjectJurisdiction | undefined {
  return region ? JURISDICTIONS[region as RoutableRegion] : undefined;
}

/** Marks a random base64url id with its jurisdiction (or makes sure an unmarked id does not look marked). */
export function withJurisdiction(id: string, jurisdiction: DurableObjectJurisdiction | undefined): string {
  const marker = jurisdiction ? MARKERS[jurisdiction] : undefined;
  if (marker) return marker + id.slice(1);
  return Object.values(MARKERS).includes(id.charAt(0)) ? `E${id.slice(1)}` : id;
}

/** The jurisdiction an id was created for. */
export function jurisdictionOfId(id: string): DurableObjectJurisdiction | undefined {
  for (const [jurisdiction, marker] of Object.entries(MARKERS)) {
    if (id.startsWith(marker as string)) return jurisdiction as DurableObjectJurisdiction;
  }
  return undefined;
}

/**
 * The namespace restricted to `jurisdiction`. `enforce` is false only for local development (workerd does not
 * implement jurisdictions: `ALLOW_NO_JURISDICTION=true`), where every object lives in the default namespace.
 */
export function placed<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  jurisdiction: DurableObjectJurisdiction | undefined,
  enforce = true,
): DurableObjectNamespace<T> {
  return jurisdiction && enforce ? namespace.jurisdiction(jurisdiction) : namespace;
}
