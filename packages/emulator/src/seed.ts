/** Validation of seed data (`--seed` files, `POST /__emulator/{region}/clients|users`). */
import { checkFields, type FieldSpec } from "./input.js";
import { ALL_REGIONS, type SeedData } from "./options.js";
import { base32Decode } from "./totp.js";

const CLIENT_FIELDS: FieldSpec = {
  client_id: ["string", true],
  client_secret: ["string", true],
  resources: ["string[]", false],
  app_name: ["string", false],
};

const USER_FIELDS: FieldSpec = {
  user_id: ["string", false],
  username: ["string", false],
  email: ["string", false],
  phone_number: ["string", false],
  password: ["string", false],
  temporary: ["boolean", false],
  expired: ["boolean", false],
  roles: ["string[]", false],
  given_name: ["string", false],
  family_name: ["string", false],
  totp_secret: ["string", false],
};

/** Messages for an invalid client seed. */
export function checkClientSeed(value: unknown): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return ["client must be an object"];
  return checkFields(value as Record<string, unknown>, CLIENT_FIELDS);
}

/** Messages for an invalid user seed. */
export function checkUserSeed(value: unknown): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return ["user must be an object"];
  const user = value as Record<string, unknown>;
  const errors = checkFields(user, USER_FIELDS);
  if (user.username === undefined && user.email === undefined && user.phone_number === undefined) {
    errors.push("one of username, email or phone_number is required");
  }
  if (typeof user.totp_secret === "string" && !isTotpSecret(user.totp_secret)) {
    errors.push("totp_secret must be a base32 secret of at least 10 bytes (16 characters)");
  }
  return errors;
}

/** True for a base32 TOTP secret of at least 80 bits (RFC 4226 section 4 asks for 128, recommends 160). */
export function isTotpSecret(secret: string): boolean {
  const bytes = base32Decode(secret);
  return bytes !== undefined && bytes.length >= 10;
}

/** Validates a whole seed document; returns it typed, or the problems found (with their location). */
export function checkSeed(value: unknown): { seed?: SeedData; errors: string[] } {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return { errors: ['seed must be an object like {"eu": {"clients": [...], "users": [...]}}'] };
  }
  const errors: string[] = [];
  for (const [region, content] of Object.entries(value)) {
    if (!(ALL_REGIONS as readonly string[]).includes(region)) {
      errors.push(`unknown region "${region}" (expected ${ALL_REGIONS.join(", ")})`);
      continue;
    }
    if (!content || typeof content !== "object" || Array.isArray(content)) {
      errors.push(`${region}: must be an object with "clients" and/or "users"`);
      continue;
    }
    const { clients, users, ...rest } = content as { clients?: unknown; users?: unknown };
    for (const key of Object.keys(rest)) errors.push(`${region}: unknown key "${key}"`);
    for (const [name, list, check] of [
      ["clients", clients, checkClientSeed],
      ["users", users, checkUserSeed],
    ] as const) {
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        errors.push(`${region}.${name}: must be an array`);
        continue;
      }
      list.forEach((item, i) => {
        for (const message of check(item)) errors.push(`${region}.${name}[${i}]: ${message}`);
      });
    }
  }
  return errors.length > 0 ? { errors } : { seed: value as SeedData, errors };
}
