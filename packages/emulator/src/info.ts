/**
 * Printable per-region information: root URL, issuer, demo client, demo users with their passwords and TOTP secrets,
 * and the outbox URL.
 */
import { demoClient, demoUsers } from "./demo.js";
import type { Engine, Region } from "./engine.js";
import type { RegionName } from "./options.js";

/** A user known at start (demo or seed), with the password given for it. */
export interface UserInfo {
  user_id?: string;
  username?: string;
  email?: string;
  phone_number?: string;
  password?: string;
  /** Base32 secret of the user's TOTP authenticator, when one is seeded. */
  totp_secret?: string;
  /** `active`, `temporary` (403 temporary_password on login) or `expired` (403 password_expired). */
  state: "active" | "temporary" | "expired";
}

/** What a caller needs to use one emulated region. */
export interface RegionInfo {
  region: RegionName;
  /** API host root: the emulated `https://api.<region>.transmitsecurity.io`. */
  root: string;
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  tenant_id: string;
  /** Control-API URL of the region's outbox: the emails and SMS sent, with their links and codes. */
  outbox: string;
  /** The seeded demo client (absent with `demo: false`), then clients from the seed. */
  clients: { client_id: string; client_secret: string; resources: string[] }[];
  users: UserInfo[];
}

/** Region information for a given origin (e.g. `http://127.0.0.1:4010`). */
export function regionInfo(engine: Engine, region: Region, origin: string): RegionInfo {
  const root = `${origin.replace(/\/+$/, "")}/${region.name}`;
  const seed = engine.options.seed?.[region.name];
  const demo = engine.options.demo !== false;
  const clients = [...(demo ? [demoClient(region.name)] : []), ...(seed?.clients ?? [])].map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    resources: c.resources ?? [],
  }));
  const users = [...(demo ? demoUsers(region.name) : []), ...(seed?.users ?? [])].map((u) => {
    const info: UserInfo = { state: u.temporary ? "temporary" : u.expired ? "expired" : "active" };
    if (u.user_id !== undefined) info.user_id = u.user_id;
    if (u.username !== undefined) info.username = u.username;
    if (u.email !== undefined) info.email = u.email;
    if (u.phone_number !== undefined) info.phone_number = u.phone_number;
    if (u.password !== undefined) info.password = u.password;
    if (u.totp_secret !== undefined) info.totp_secret = u.totp_secret;
    return info;
  });
  return {
    region: region.name,
    root,
    issuer: region.issuer,
    jwks_uri: `${root}/cis/oidc/jwks`,
    token_endpoint: `${root}/oidc/token`,
    tenant_id: region.tenantId,
    outbox: `${origin.replace(/\/+$/, "")}/__emulator/${region.name}/outbox`,
    clients,
    users,
  };
}
