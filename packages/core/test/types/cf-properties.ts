// Type test (checked by `pnpm typecheck`, never run): Workers' `request.cf` must be accepted by nearestRegion
// without a cast. The Workers types are imported here only, as a module, so no Workers globals leak into the
// package's own types.
import type { IncomingRequestCfProperties, Request as WorkersRequest } from "@cloudflare/workers-types/index.ts";
import { nearestRegion, type RegionName } from "../../src/index.ts";

export function routeFromCf(cf: IncomingRequestCfProperties): RegionName {
  return nearestRegion(cf, ["us", "eu"]);
}

export function routeFromRequest(request: WorkersRequest<unknown, IncomingRequestCfProperties>): RegionName {
  // The Request a Workers fetch handler receives; `request.cf` may be undefined.
  return nearestRegion(request.cf);
}

export function routeFromPartialCf(cf: Partial<IncomingRequestCfProperties> | undefined): RegionName {
  return nearestRegion(cf, undefined, { countryOverrides: { GB: "eu" } });
}
