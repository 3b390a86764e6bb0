/**
 * Deterministic demo data seeded in every region, so documentation and `pnpm dev` can print it. These credentials are
 * for the local emulator only; they are not (and never were) real Transmit credentials.
 */
import type { ClientSeed, RegionName, UserSeed } from "./options.js";

/** Password of the regular demo user `alice` (meets the default policy: 14+ characters, 4 classes). */
export const DEMO_PASSWORD = "Correct-Horse-7!";
/** Password of `tara`, whose password is temporary (login answers 403 `temporary_password`). */
export const DEMO_TEMPORARY_PASSWORD = "Temporary-Pass-8!";
/** Password of `eddie`, whose password has expired (login answers 403 `password_expired`). */
export const DEMO_EXPIRED_PASSWORD = "Expired-Horse-9!";

/**
 * TOTP secret (base32) of the demo user `tom`: add it to an authenticator app, or compute tokens with `totpAt`.
 * Registering TOTP through the emulator instead of a logged-in user is inferred (see the README).
 */
export const DEMO_TOTP_SECRET = "ORZGC3TTNVUXILLFMRTWKLLEMVWW6LJR";

/** The demo client of a region: `demo-client-<region>` / `demo-secret-<region>`. */
export function demoClient(region: RegionName): Required<ClientSeed> {
  return {
    client_id: `demo-client-${region}`,
    client_secret: `demo-secret-${region}`,
    resources: ["https://api.example.com"],
    app_name: "Demo App",
  };
}

/** The demo users of a region, with fixed user ids `demo-<region>-<name>`. */
export function demoUsers(region: RegionName): UserSeed[] {
  return [
    {
      user_id: `demo-${region}-alice`,
      username: "alice",
      email: "alice@example.com",
      phone_number: "+15550100001",
      password: DEMO_PASSWORD,
      given_name: "Alice",
      family_name: "Example",
      roles: ["demo-user"],
    },
    {
      user_id: `demo-${region}-tara`,
      username: "tara",
      email: "tara@example.com",
      password: DEMO_TEMPORARY_PASSWORD,
      temporary: true,
    },
    {
      user_id: `demo-${region}-eddie`,
      username: "eddie",
      email: "eddie@example.com",
      password: DEMO_EXPIRED_PASSWORD,
      expired: true,
    },
    // Second factors (inferred data): tom has a TOTP authenticator, sam a phone number for SMS codes.
    {
      user_id: `demo-${region}-tom`,
      username: "tom",
      email: "tom@example.com",
      password: DEMO_PASSWORD,
      totp_secret: DEMO_TOTP_SECRET,
    },
    {
      user_id: `demo-${region}-sam`,
      username: "sam",
      email: "sam@example.com",
      phone_number: "+15550100002",
      password: DEMO_PASSWORD,
    },
  ];
}
