/**
 * Strict `Retry-After` parsing (RFC 9110 section 10.2.3): delta-seconds (digits only) or an HTTP-date in one of the
 * three forms of RFC 9110 section 5.6.7. Anything else ("1.5", "-5", "soon", a bare year) is treated as absent,
 * never as "retry now". See docs/core-reliability.md, "Retries".
 */

/** Longest wait reported in `TransmitError.retryAfter`, in seconds (one day); longer values are capped. */
export const MAX_RETRY_AFTER_SEC = 86_400;

const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";
// One pattern for the three forms: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" and the obsolete RFC 850 form
// "Sunday, 06-Nov-94 08:49:37 GMT" (groups 1-3: day, month, year), or the obsolete asctime form
// "Sun Nov  6 08:49:37 1994" (groups 4-5: month, day); then the time (6-8); then "GMT" for the first two, or the
// asctime year (9), which is always GMT.
const HTTP_DATE =
  /^(?:[A-Z][a-z]{2,8}, (\d\d)[ -]([A-Z][a-z]{2})[ -](\d{4}|\d\d)|[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([ \d]\d)) (\d\d):(\d\d):(\d\d) (?:GMT|(\d{4}))$/;

/** Parses an HTTP-date into ms since epoch, or `undefined` when it is not one. */
export function parseHttpDate(value: string, nowMs: number): number | undefined {
  const m = HTTP_DATE.exec(value);
  // The IMF and RFC 850 forms end with "GMT", the asctime form with its year: no mixing of the two.
  if (!m || !m[1] === !m[9]) return undefined;
  const day = Number(m[1] ?? m[5]);
  const [h = 0, min = 0, sec = 0] = m.slice(6, 9).map(Number);
  let year = Number(m[3] ?? m[9]);
  if (m[3]?.length === 2) {
    // RFC 9110: a two-digit year more than 50 years ahead means the most recent past year with those digits.
    const now = new Date(nowMs).getUTCFullYear();
    year += Math.floor(now / 100) * 100;
    if (year > now + 50) year -= 100;
  }
  // A capitalised three-letter name is found at a multiple of 3, or not at all (-1).
  const month = MONTHS.indexOf((m[2] ?? m[4]) as string) / 3;
  if (month < 0 || h > 23 || min > 59 || sec > 60) return undefined;
  const ms = Date.UTC(year, month, day, h, min, sec);
  return new Date(ms).getUTCDate() === day ? ms : undefined; // rejects "31 Feb"
}

/**
 * Parses `Retry-After` into whole seconds from `nowMs`, between 0 (a date in the past) and
 * {@link MAX_RETRY_AFTER_SEC}. Returns `undefined` when absent or not valid.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(MAX_RETRY_AFTER_SEC, Number(text));
  const date = parseHttpDate(text, nowMs);
  if (date === undefined) return undefined;
  return Math.min(MAX_RETRY_AFTER_SEC, Math.max(0, Math.ceil((date - nowMs) / 1000)));
}
