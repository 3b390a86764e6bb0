/**
 * One convention for bad configuration: every factory of the package checks its options when it is called and throws
 * an {@link OptionError}, a standard `TypeError` whose message names the factory, the option and the rule, never
 * the value. Domain errors (core's `TransmitError`) stay for failures at run time.
 */

/** A `TypeError` naming the option that is missing or invalid. */
export class OptionError extends TypeError {
  /** The option, e.g. `limiter` or `ip.trustedProxies[1]`. */
  readonly option: string;

  constructor(factory: string, option: string, rule: string) {
    super(`${factory}: option \`${option}\` ${rule}`);
    this.option = option;
  }
}

/** `value` when it is a positive finite number, `fallback` when undefined; throws otherwise. */
export function positive(factory: string, option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new OptionError(factory, option, "must be a positive number");
  }
  return value;
}

/** `value` when it is an integer in [min, max], `fallback` when undefined; throws otherwise. */
export function integerIn(
  factory: string,
  option: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new OptionError(factory, option, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Non-empty strings, from one string or a list; throws naming the option otherwise. */
export function stringList(factory: string, option: string, value: string | readonly string[] | undefined): string[] {
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? [...value] : undefined;
  if (!list || list.length === 0 || list.some((v) => typeof v !== "string" || v === "")) {
    throw new OptionError(factory, option, "must be a non-empty string or a list of them");
  }
  return list;
}
