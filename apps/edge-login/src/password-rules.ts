/**
 * The password rules the forced password change page states and checks before anything goes to Transmit. They
 * must match the tenant's password policy (Transmit's login preferences): `PASSWORD_MIN_LENGTH` (default 14) and
 * `PASSWORD_CHARACTER_KINDS`, how many of lowercase, uppercase, digits and symbols a password needs (default 4),
 * Transmit's documented defaults (read in config.ts). Transmit still has the last word (history, dictionary): its
 * refusal is shown too.
 */

export interface PasswordRules {
  minLength: number;
  /** 0-4 of: lowercase, uppercase, digit, symbol. */
  kinds: number;
}

const KINDS = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];

/** Which rules a password breaks: `length`, `kinds`, or none. */
export function brokenRules(password: string, rules: PasswordRules): ("length" | "kinds")[] {
  const broken: ("length" | "kinds")[] = [];
  if (password.length < rules.minLength) broken.push("length");
  if (KINDS.filter((re) => re.test(password)).length < rules.kinds) broken.push("kinds");
  return broken;
}
