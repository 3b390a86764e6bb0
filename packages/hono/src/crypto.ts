/**
 * WebCrypto helpers shared by the stores, the limiter keys and events. Only `crypto.subtle` and
 * `crypto.getRandomValues`, so the same code runs on Workers, Deno, Bun and Node >= 20.
 */

const encoder = new TextEncoder();

/** Encodes bytes as unpadded base64url. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] as number);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes unpadded base64url; returns `undefined` for anything else. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  try {
    const binary = atob(b64);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** A random identifier of `bytes` bytes from the CSPRNG (default 32 = 256 bits), base64url. */
export function randomId(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Byte length of a secret as UTF-8. */
export function secretLength(secret: string): number {
  return encoder.encode(secret).length;
}

/** Derives a 256-bit key for `usage` from a secret with HKDF-SHA-256; `info` separates purposes. */
export async function deriveKey(
  secret: string,
  info: string,
  algorithm: AesKeyGenParams | HmacImportParams,
  usages: KeyUsage[],
): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("transmit-edge/hono"), info: encoder.encode(info) },
    base,
    algorithm,
    false,
    usages,
  );
}

/**
 * Keyed hash of a username, after normalisation (NFKC, trimmed, lower case), so the same person typing
 * `Alice ` and `alice` shares one throttle counter and one event key; and ({@link UserKeyHasher.exact}) of the
 * username exactly as typed, for device cookie entries.
 */
export class UserKeyHasher {
  readonly #secret: string | undefined;
  #key: Promise<CryptoKey> | undefined;
  #exactKey: Promise<CryptoKey> | undefined;

  constructor(secret?: string) {
    this.#secret = secret;
  }

  // Created on first use: workerd refuses random values and crypto work at module scope.
  #makeKey(info: string): Promise<CryptoKey> {
    return this.#secret
      ? deriveKey(this.#secret, info, { name: "HMAC", hash: "SHA-256", length: 256 }, ["sign"])
      : crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256", length: 256 }, false, ["sign"]);
  }

  /** Returns the keyed hash of `username` (base64url, 128 bits). */
  async hash(username: string): Promise<string> {
    this.#key ??= this.#makeKey("user-key v1");
    return sign(await this.#key, normaliseUsername(username));
  }

  /**
   * Returns the keyed hash of `username` exactly as typed (base64url, 128 bits), under its own key (never equal to a
   * {@link hash}). Device cookie entries are signed for it: usernames that normalise alike can be different accounts
   * (`Alice` and `alice` on a tenant with case-sensitive usernames), and an entry must be valid only for the account
   * it was issued for (attack2 F4b in docs/reviews/attack2.md).
   */
  async exact(username: string): Promise<string> {
    this.#exactKey ??= this.#makeKey("user-key exact v1");
    return sign(await this.#exactKey, username);
  }
}

/**
 * The key device cookie entries are signed for: {@link UserKeyHasher.exact} of the region (tenant) and the username
 * exactly as typed. A username is not one account across tenants: an entry earned on `alice` in one region's tenant
 * must not count guesses on another tenant's `alice` (attack3 F2). `region` is the one the client source resolved for
 * the request ("" when it gives none).
 */
export function deviceKeyOf(hasher: UserKeyHasher, region: string | undefined, username: string): Promise<string> {
  return hasher.exact(`${region ?? ""}\u0000${username}`);
}

async function sign(key: CryptoKey, text: string): Promise<string> {
  const sig = await crypto.subtle.sign("HMAC", key, encoder.encode(text));
  return toBase64Url(new Uint8Array(sig).subarray(0, 16));
}

/** Normalisation used for throttling and event keys only (the username is forwarded upstream unchanged). */
export function normaliseUsername(username: string): string {
  return username.normalize("NFKC").trim().toLowerCase();
}
