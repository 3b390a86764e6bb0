/**
 * Strict `Retry-After` parsing (RFC 9110 section 10.2.3): delta-seconds (digits only) or an HTTP-date in one of the
 * three forms of RFC 9110 section 5.6.7. Anything else ("1.5", "-5", "soon", a bare year) is treated as absent,
 * never as "retry now". See docs/core-reliability.md, "Retries".
 */

/** Longest wait reported in `TransmitError.retryAfter`, in seconds (one day); longer values are capped. */
export const MAX_RETRY_AFTER_SEC = 86_400;

const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";
// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" and the obsolete RFC 850 form "Sunday, 06-Nov-94 08:49:37 GMT".
const IMF = /^[A-Z][a-z]{2,8}, (\d\d)[ -]([A-Z][a-z]{2})[ -](\d{4}|\d\d) (\d\d):(\d\d):(\d\d) GMT$/;
// Obsolete asctime form: "Sun Nov  6 08:49:37 1994" (always GMT).
const ASCTIME = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})$/;

/** Parses an HTTP-date into ms since epoch, or `undefined` when it is not one. */
export function parseHttpDate(value: string, nowMs: number): number | undefined {
  const imf = IMF.exec(value);
  const asc = imf ? null : ASCTIME.exec(value);
  // [day, month name, year, hours, minutes, seconds]
  const f = imf ? imf.slice(1) : asc ? [asc[2], asc[1], asc[6], asc[3], asc[4], asc[5]] : undefined;
  if (!f) return undefined;
  const [day = 0, , year4 = 0, h = 0, min = 0, sec = 0] = f.map(Number);
  let year = year4;
  if (f[2]?.length === 2) {
    // RFC 9110: a two-digit year more than 50 years ahead means the most recent past year with those digits.
    const now = new Date(nowMs).getUTCFullYear();
    year += Math.floor(now / 100) * 100;
    if (year > now + 50) year -= 100;
  }
  const month = MONTHS.indexOf(f[1] ?? "") / 3;
  if (!Number.isInteger(month) || month < 0 || h > 23 || min > 59 || sec > 60) return undefined;
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
