/**
 * TOTP (RFC 6238) on WebCrypto: HMAC-SHA1, 30-second steps, 6 digits, the defaults of authenticator apps and of the
 * `otpauth://` URIs Transmit's TOTP registration returns. Secrets are base32 (RFC 4648) strings.
 */
import type { TotpRecord } from "./state.js";

/** Seconds per time step (RFC 6238 X, the usual default). */
export const TOTP_STEP_SECONDS = 30;
/** Digits of a token. */
export const TOTP_DIGITS = 6;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Base32 (RFC 4648, no padding). */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 (case-insensitive, spaces and `=` padding ignored); undefined when it is not base32. */
export function base32Decode(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\s=]/g, "").toUpperCase();
  if (clean === "" || /[^A-Z2-7]/.test(clean)) return undefined;
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    buffer = ((buffer << 5) | BASE32.indexOf(char)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** A fresh random secret: 20 bytes (160 bits, the length RFC 4226 section 4 recommends), base32. */
export function newTotpSecret(): string {
  return base32Encode(crypto.getRandomValues(new Uint8Array(20)));
}

/** The HOTP value (RFC 4226 section 5.3) of a counter, as a zero-padded string of `digits` digits. */
export async function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secret as BufferSource, { name: "HMAC", hash: "SHA-1" }, false, [
    "sign",
  ]);
  const message = new Uint8Array(8);
  // The counter is a 64-bit big-endian integer; time steps fit in 53 bits.
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary =
    (((mac[offset] ?? 0) & 0x7f) << 24) |
    ((mac[offset + 1] ?? 0) << 16) |
    ((mac[offset + 2] ?? 0) << 8) |
    (mac[offset + 3] ?? 0);
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The time step of an instant (epoch ms). */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);
}

/** The TOTP token of a base32 secret at an instant (epoch ms). */
export async function totpAt(secret: string, nowMs: number, digits = TOTP_DIGITS): Promise<string> {
  const bytes = base32Decode(secret);
  if (!bytes) throw new TypeError("TOTP secret must be base32");
  return hotp(bytes, totpStep(nowMs), digits);
}

/**
 * The time step a token matches: the current one, up to `past` earlier steps (a code typed as it rotated, network
 * delay) or up to `future` later ones (an authenticator clock running ahead); undefined when none matches.
 */
export async function matchTotp(
  secret: string,
  token: string,
  nowMs: number,
  window: { past: number; future: number },
): Promise<number | undefined> {
  const bytes = base32Decode(secret);
  if (!bytes || !/^\d+$/.test(token) || token.length !== TOTP_DIGITS) return undefined;
  const now = totpStep(nowMs);
  for (let step = now + window.future; step >= now - window.past; step--) {
    if (step >= 0 && sameCode(await hotp(bytes, step), token)) return step;
  }
  return undefined;
}

/** `otpauth://totp/...` URI for authenticator apps (the Key Uri Format of Google Authenticator). */
export function otpauthUri(secret: string, issuer: string, label: string): string {
  const name = encodeURIComponent(`${issuer}:${label}`);
  const query = new URLSearchParams({
    secret,
    issuer,
    algorithm: "SHA1",
    digits: String(TOTP_DIGITS),
    period: String(TOTP_STEP_SECONDS),
  });
  return `otpauth://totp/${name}?${query}`;
}

/** Compares two codes without stopping at the first difference. */
export function sameCode(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

/** A fresh TOTP registration for a (valid, base32) secret, normalised to upper case without padding. */
export function newTotpRecord(secret: string): TotpRecord {
  return { secret: secret.replace(/[\s=]/g, "").toUpperCase(), lastStep: -1, failures: 0, lockedUntil: 0 };
}
