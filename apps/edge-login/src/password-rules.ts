/**
 * The password rules the forced password change page states and checks before anything goes to Transmit. They
 * must match the tenant's password policy (Transmit's login preferences): `PASSWORD_MIN_LENGTH` (default 14) and
 * `PASSWORD_CHARACTER_KINDS`, how many of lowercase, uppercase, digits and symbols a password needs (default 4),
 * Transmit's documented defaults. Transmit still has the last word (history, dictionary): its refusal is shown too.
 */

export interface PasswordRules {
  minLength: number;
  /** 0-4 of: lowercase, uppercase, digit, symbol. */
  kinds: number;
}

/** Reads the rules from the Worker's vars; pushes the name of an invalid one to `bad`. */
export function readPasswordRules(env: Record<string, unknown>, bad: string[]): PasswordRules {
  const read = (key: string, fallback: number, max: number) => {
    const raw = env[key];
    if (typeof raw !== "string" || raw.trim() === "") return fallback;
    const n = Number(raw);
    if (Number.isInteger(n) && n >= 0 && n <= max) return n;
    bad.push(key);
    return fallback;
  };
  return { minLength: read("PASSWORD_MIN_LENGTH", 14, 256), kinds: read("PASSWORD_CHARACTER_KINDS", 4, 4) };
}

const KINDS = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];

/** Which rules a password breaks: `length`, `kinds`, or none. */
export function brokenRules(password: string, rules: PasswordRules): ("length" | "kinds")[] {
  const broken: ("length" | "kinds")[] = [];
  if (password.length < rules.minLength) broken.push("length");
  if (KINDS.filter((re) => re.test(password)).length < rules.kinds) broken.push("kinds");
  return broken;
}
