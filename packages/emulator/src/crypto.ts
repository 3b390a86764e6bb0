/** WebCrypto helpers: random identifiers, salted PBKDF2 password hashes, region signing keys. */
import { exportJWK, generateKeyPair, type JWK } from "jose";

const encoder = new TextEncoder();

/** Base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A random opaque string with `bytes` bytes of entropy, optionally prefixed. */
export function randomId(bytes = 16, prefix = ""): string {
  return prefix + base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A salted password hash. The emulator never stores a password in clear. */
export interface PasswordHash {
  salt: Uint8Array;
  hash: Uint8Array;
  iterations: number;
}

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/** Hashes a password with PBKDF2-SHA256 and a fresh 16-byte salt. */
export async function hashPassword(password: string, iterations: number): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { salt, iterations, hash: await pbkdf2(password, salt, iterations) };
}

/** Checks a password against a stored hash (constant-time comparison of the derived bits). */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const candidate = await pbkdf2(password, stored.salt, stored.iterations);
  let diff = candidate.length ^ stored.hash.length;
  for (let i = 0; i < candidate.length; i++) diff |= (candidate[i] ?? 0) ^ (stored.hash[i] ?? 0);
  return diff === 0;
}

/** A region's RS256 signing key and its public JWK. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

/** Generates (or wraps a given) RS256 key pair, with a `kid` derived from the region when not given. */
export async function createSigningKey(
  region: string,
  given?: { privateKey: CryptoKey; publicKey: CryptoKey; kid?: string },
): Promise<SigningKey> {
  const pair = given ?? (await generateKeyPair("RS256", { modulusLength: 2048 }));
  const kid = given?.kid ?? `emulator-${region}-${randomId(6)}`;
  const exported = await exportJWK(pair.publicKey);
  const jwk: JWK = { kty: exported.kty, n: exported.n, e: exported.e, kid, alg: "RS256", use: "sig" };
  return { kid, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}

/** A random string of `length` decimal digits (rejection sampling, so every digit is equally likely). */
export function randomDigits(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length))) {
      if (byte < 250 && out.length < length) out += String(byte % 10);
    }
  }
  return out;
}
