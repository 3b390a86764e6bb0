/**
 * Stateless session store: the whole record is sealed with AES-256-GCM into the cookie value. Keys come from
 * secrets of >= 32 bytes through HKDF; the first secret seals, every secret opens (rotation: prepend the new
 * secret, drop the old one after the absolute session lifetime).
 */
import { deriveKey, fromBase64Url, secretLength, toBase64Url } from "./crypto.ts";
import type { SessionRecord, SessionStore } from "./types.ts";

/** Largest cookie value we produce; the whole `Set-Cookie` line (name + attributes) must stay below 4096 bytes. */
export const MAX_SEALED_LENGTH = 3800;
const MIN_SECRET_BYTES = 32;
const IV_BYTES = 12;
const VERSION = "v1";
const AAD = new TextEncoder().encode("transmit-edge session v1");

/**
 * Options of {@link cookieSessionStore}.
 *
 * @example
 * ```ts
 * cookieSessionStore({ secrets: [env.SESSION_SECRET, env.SESSION_SECRET_PREVIOUS] });
 * ```
 */
export interface CookieSessionStoreOptions {
  /**
   * Secrets of at least 32 bytes each. The first one encrypts; all of them decrypt (key rotation).
   * Generate with e.g. `openssl rand -base64 48`.
   */
  secrets: readonly string[];
  /**
   * Revoked record ids are remembered here until their absolute expiry so logout and login invalidate the old
   * cookie. The default list lives in memory (per process or isolate): use a server-side store when revocation
   * must hold across instances.
   */
  revoked?: RevocationList;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/**
 * Remembers revoked sealed-session ids until they would have expired anyway.
 *
 * @example
 * ```ts
 * const revoked: RevocationList = { has: (id) => kv.has(id), add: (id, until) => kv.set(id, until) };
 * ```
 */
export interface RevocationList {
  has(id: string): Promise<boolean> | boolean;
  add(id: string, expiresAt: number): Promise<void> | void;
}

/** In-memory {@link RevocationList}, pruned as entries expire. */
function memoryRevocationList(now: () => number): RevocationList {
  const entries = new Map<string, number>();
  return {
    has(id) {
      const until = entries.get(id);
      if (until === undefined) return false;
      if (until * 1000 <= now()) {
        entries.delete(id);
        return false;
      }
      return true;
    },
    add(id, expiresAt) {
      if (entries.size > 100_000) {
        for (const [key, until] of entries) if (until * 1000 <= now()) entries.delete(key);
      }
      entries.set(id, expiresAt);
    },
  };
}

/**
 * A {@link SessionStore} that keeps nothing server-side: records are encrypted (AES-GCM) into the cookie.
 * Tokens are sealed, so the browser holds only ciphertext. Throws `TypeError` at creation when a secret is
 * missing or shorter than 32 bytes (the message names the option, never the value).
 *
 * @example
 * ```ts
 * const sessions = cookieSessionStore({ secrets: [env.SESSION_SECRET, env.SESSION_SECRET_OLD] });
 * app.route("/auth", passwordLogin({ client, sessions }));
 * ```
 */
export function cookieSessionStore(options: CookieSessionStoreOptions): SessionStore {
  const secrets = options?.secrets;
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new TypeError("cookieSessionStore: option `secrets` must hold at least one secret");
  }
  secrets.forEach((secret, i) => {
    if (typeof secret !== "string" || secretLength(secret) < MIN_SECRET_BYTES) {
      throw new TypeError(`cookieSessionStore: secrets[${i}] must be a string of at least 32 bytes`);
    }
  });
  const now = options.now ?? Date.now;
  const revoked = options.revoked ?? memoryRevocationList(now);
  let keys: Promise<CryptoKey[]> | undefined;
  // Derived lazily: some runtimes (workerd) refuse crypto work at module scope.
  const getKeys = () => {
    keys ??= Promise.all(
      secrets.map((s) => deriveKey(s, "session-seal v1", { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"])),
    );
    return keys;
  };

  async function seal(record: SessionRecord): Promise<string> {
    const [key] = await getKeys();
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const plain = new TextEncoder().encode(JSON.stringify(record));
    const cipher = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: AAD }, key as CryptoKey, plain);
    const out = new Uint8Array(IV_BYTES + cipher.byteLength);
    out.set(iv);
    out.set(new Uint8Array(cipher), IV_BYTES);
    const value = `${VERSION}.${toBase64Url(out)}`;
    if (value.length > MAX_SEALED_LENGTH) {
      throw new RangeError("cookieSessionStore: the session does not fit in a cookie; use a server-side store");
    }
    return value;
  }

  async function open(value: string): Promise<SessionRecord | undefined> {
    if (typeof value !== "string" || value.length > MAX_SEALED_LENGTH || !value.startsWith(`${VERSION}.`)) return;
    const bytes = fromBase64Url(value.slice(VERSION.length + 1));
    if (!bytes || bytes.length <= IV_BYTES + 16) return;
    const iv = bytes.slice(0, IV_BYTES);
    for (const key of await getKeys()) {
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv, additionalData: AAD },
          key,
          bytes.slice(IV_BYTES),
        );
        const record = JSON.parse(new TextDecoder().decode(plain)) as SessionRecord;
        if (!record || typeof record !== "object" || typeof record.id !== "string") return;
        if (await revoked.has(record.id)) return;
        return record;
      } catch {
        // Wrong key or tampered value: try the next key.
      }
    }
    return;
  }

  return {
    create: seal,
    get: open,
    set: (_value, record) => seal(record),
    async delete(value) {
      const record = await open(value);
      if (record) await revoked.add(record.id, record.expiresAt);
    },
  };
}
