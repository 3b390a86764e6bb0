/**
 * Data residency of the Worker's Durable Objects (docs/regions.md, "Where the Worker's data lives"). A session of a
 * user whose account lives in Transmit's EU region is created in Cloudflare's `eu` jurisdiction, so its data is
 * stored and processed only in the EU. Object names are hashes (never a username, email or cookie value), because
 * Durable Object ids show up in logs and dashboards outside the jurisdiction.
 */

/** The jurisdiction that must hold the session data of a Transmit region's users: `eu` for `eu`, none otherwise. */
export function jurisdictionOf(region: string | undefined): DurableObjectJurisdiction | undefined {
  return region === "eu" ? "eu" : undefined;
}

/**
 * Session ids of objects in the `eu` jurisdiction start with `e`, so a request finds its object without a lookup;
 * other ids never do (the other 255.9 bits of an id stay random).
 */
export function withJurisdiction(id: string, jurisdiction: DurableObjectJurisdiction | undefined): string {
  return jurisdiction ? `e${id.slice(1)}` : id[0] === "e" ? `E${id.slice(1)}` : id;
}

/** The jurisdiction an id was created for. */
export function jurisdictionOfId(id: string): DurableObjectJurisdiction | undefined {
  return id[0] === "e" ? "eu" : undefined;
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
