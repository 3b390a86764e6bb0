/**
 * One-time codes (login OTPs, password-reset OTPs): issued per user and purpose, a new one replacing the previous;
 * each is used once and expires, and too many wrong tries lock the user out for a while. The code settings are
 * validated here too.
 */
import { randomDigits } from "./crypto.js";
import { DEFAULT_CODE_SETTINGS } from "./options.js";
import type { CodeRecord, RegionState } from "./state.js";
import { sameCode } from "./totp.js";

/** What a code is for: signing in (`/v1/auth/otp/*`) or starting a password reset (`/reset/email/otp`). */
export type CodePurpose = "login" | "reset";

/** The outcome of checking a code. */
export type CodeCheck =
  | { ok: true; record: CodeRecord }
  | { ok: false; reason: "none" | "expired" | "locked" | "wrong" };

const key = (purpose: CodePurpose, userId: string) => `${purpose}:${userId}`;

/** Issues a code of `length` digits for a user, valid `ttlMs`; it replaces any pending code of the same purpose. */
export function issueCode(
  state: RegionState,
  purpose: CodePurpose,
  input: { userId: string; channel: CodeRecord["channel"]; length: number; ttlMs: number; now: number },
): CodeRecord {
  const record: CodeRecord = {
    userId: input.userId,
    code: randomDigits(input.length),
    channel: input.channel,
    expiresAt: input.now + input.ttlMs,
  };
  state.codes.set(key(purpose, input.userId), record);
  return record;
}

/**
 * Checks a code. A match uses the code up and clears the failures. A wrong code counts a failure; at `maxFailures`
 * in a row the pending code is dropped and the user is locked out of this purpose for `lockoutMs`, during which every
 * try (even after a new code is sent) answers `locked`.
 */
export function checkCode(
  state: RegionState,
  purpose: CodePurpose,
  input: { userId: string; passcode: string; now: number; maxFailures: number; lockoutMs: number },
): CodeCheck {
  const id = key(purpose, input.userId);
  const lockout = state.codeLockouts.get(id);
  if (lockout && input.now < lockout.lockedUntil) return { ok: false, reason: "locked" };
  const record = state.codes.get(id);
  if (!record) return { ok: false, reason: "none" };
  if (input.now >= record.expiresAt) return { ok: false, reason: "expired" };
  if (!sameCode(record.code, input.passcode)) {
    const failures = (lockout?.failures ?? 0) + 1;
    if (failures >= input.maxFailures) {
      state.codes.delete(id);
      state.codeLockouts.set(id, { failures: 0, lockedUntil: input.now + input.lockoutMs });
    } else {
      state.codeLockouts.set(id, { failures, lockedUntil: 0 });
    }
    return { ok: false, reason: "wrong" };
  }
  state.codes.delete(id);
  state.codeLockouts.delete(id);
  return { ok: true, record };
}

/** Messages for an invalid partial `CodeSettings` (unknown fields, non-integers, out of range). */
export function checkCodeSettings(value: unknown): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return ["codes must be an object"];
  const errors: string[] = [];
  for (const [name, v] of Object.entries(value)) {
    if (!(name in DEFAULT_CODE_SETTINGS)) {
      errors.push(`unknown code setting "${name}" (expected ${Object.keys(DEFAULT_CODE_SETTINGS).join(", ")})`);
      continue;
    }
    const steps = name === "totpWindowSteps" || name === "totpFutureSteps";
    const min = steps ? 0 : 1;
    const max = name === "otpLength" ? 12 : steps ? 10 : Number.MAX_SAFE_INTEGER;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      errors.push(`${name} must be an integer between ${min} and ${max}`);
    }
  }
  return errors;
}
