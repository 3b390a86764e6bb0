/** Password policy: complexity, lockout and expiry, driven by the emulator clock. */
import { DEFAULT_POLICY, type PasswordPolicy } from "./options.js";
import type { LockoutRecord, PasswordRecord, RegionState } from "./state.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const BOOLEAN_FIELDS = new Set(["ignoreExpiration"]);

/** Messages for an invalid partial policy (unknown fields, wrong types, negative numbers). */
export function checkPolicy(value: unknown): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return ["policy must be an object"];
  const errors: string[] = [];
  for (const [name, v] of Object.entries(value)) {
    if (!(name in DEFAULT_POLICY)) {
      errors.push(`unknown policy field "${name}" (expected ${Object.keys(DEFAULT_POLICY).join(", ")})`);
    } else if (BOOLEAN_FIELDS.has(name) ? typeof v !== "boolean" : typeof v !== "number" || !(v >= 0)) {
      errors.push(`${name} must be ${BOOLEAN_FIELDS.has(name) ? "a boolean" : "a number >= 0"}`);
    } else if (name === "codeLength" && (!Number.isInteger(v) || (v as number) < 4 || (v as number) > 8)) {
      // Documented range of the login preferences' codeLength.
      errors.push("codeLength must be an integer between 4 and 8");
    }
  }
  return errors;
}

/** Messages for each policy rule the password breaks (empty when it complies). */
export function complexityErrors(password: string, policy: PasswordPolicy): string[] {
  const errors: string[] = [];
  if (password.length < policy.passwordMinLength) {
    errors.push(`password must be at least ${policy.passwordMinLength} characters long`);
  }
  // The meaning of levels 1-5 is undocumented: read as the number of character classes required (max 4).
  const required = Math.min(Math.max(Math.trunc(policy.passwordComplexity), 1), 4);
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
  if (classes < required) {
    errors.push(
      `password must contain at least ${required} of: lowercase letters, uppercase letters, digits, special characters`,
    );
  }
  return errors;
}

/** Whether a password must be replaced before tokens are issued, and why. */
export function passwordChangeReason(
  record: PasswordRecord,
  policy: PasswordPolicy,
  nowMs: number,
): "temporary_password" | "password_expired" | undefined {
  if (record.temporary) {
    return nowMs >= record.setAt + policy.tempPasswordValidityHours * HOUR ? "password_expired" : "temporary_password";
  }
  if (record.expired) return "password_expired";
  if (!policy.ignoreExpiration && nowMs >= record.setAt + policy.passwordExpiresIn * DAY) return "password_expired";
  return undefined;
}

/** Lockout bookkeeping per login identity (user id when the user exists, the identifier otherwise). */
export class Lockout {
  constructor(
    private readonly state: RegionState,
    private readonly policy: PasswordPolicy,
  ) {}

  #record(key: string): LockoutRecord {
    let record = this.state.lockouts.get(key);
    if (!record) {
      record = { failures: [], lockedUntil: 0 };
      this.state.lockouts.set(key, record);
    }
    return record;
  }

  /** True while the identity is suspended. */
  isLocked(key: string, nowMs: number): boolean {
    const record = this.state.lockouts.get(key);
    return record !== undefined && nowMs < record.lockedUntil;
  }

  /** Counts a failure; suspends the identity when `maxPasswordFailures` unexpired failures are reached. */
  fail(key: string, nowMs: number): void {
    const record = this.#record(key);
    const horizon = nowMs - this.policy.failuresExpireIn * MINUTE;
    record.failures = record.failures.filter((t) => t > horizon);
    record.failures.push(nowMs);
    if (record.failures.length >= this.policy.maxPasswordFailures) {
      record.lockedUntil = nowMs + this.policy.passwordSuspensionDuration * MINUTE;
      record.failures = [];
    }
  }

  /** Forgets failures after a successful login. */
  succeed(key: string): void {
    this.state.lockouts.delete(key);
  }
}
