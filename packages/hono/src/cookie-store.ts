/**
 * Stateless session store: the whole record is sealed with AES-256-GCM into the cookie value. Keys come from
 * secrets of >= 32 bytes through HKDF; the first secret seals, every secret opens (rotation: prepend the new
 * secret, drop the old one after the absolute session lifetime).
 */
import { deriveKey, fromBase64Url, secretLength, toBase64Url } from "./crypto.ts";
import { integerIn, OptionError } from "./option-error.ts";
import type { SessionRecord, SessionStore } from "./session-record.ts";

/** Largest cookie value we produce; the whole `Set-Cookie` line (name + attributes) must stay below 4096 bytes. */
export const MAX_SEALED_LENGTH = 3800;
const MIN_SECRET_BYTES = 32;
const FACTORY = "cookieSessionStore";
const IV_BYTES = 12;
const VERSION = "v1";
const AAD = new TextEncoder().encode("transmit-edge session v1");

/**
 * Options of {@link cookieSessionStore}. A sealed cookie cannot be revoked without shared state: give `revocations`
 * (a store every instance shares), or `recheckAfter` (Transmit confirms the session at that interval), or both.
 *
 * @example
 * ```ts
 * cookieSessionStore({ secrets: [env.SESSION_SECRET, env.SESSION_SECRET_PREVIOUS], recheckAfter: 300 });
 * ```
 */
export interface CookieSessionStoreOptions {
  /**
   * Secrets of at least 32 bytes each. The first one encrypts; all of them decrypt (key rotation).
   * Generate with e.g. `openssl rand -base64 48`.
   */
  secrets: readonly string[];
  /**
   * Where revoked record ids are kept until their absolute expiry, shared by every instance (a database, KV with
   * strong reads, a Durable Object). Logout and re-login then refuse the old cookie everywhere at once.
   */
  revocations?: RevocationStore;
  /**
   * Seconds after which a session must be confirmed with Transmit again (a token refresh, which Transmit refuses
   * once the session is logged out). Without `revocations` this bounds how long a copy of a cookie keeps working
   * after logout. Between 30 and 3600.
   */
  recheckAfter?: number;
}

/**
 * Shared storage for revoked sealed-session ids, kept until they would have expired anyway. It must be the same for
 * every instance of the app: an in-memory list per process or isolate revokes nothing elsewhere.
 *
 * @example
 * ```ts
 * const revocations: RevocationStore = { has: (id) => kv.has(id), add: (id, until) => kv.set(id, until) };
 * ```
 */
export interface RevocationStore {
  /** Whether the record id was revoked. */
  has(id: string): Promise<boolean> | boolean;
  /** Revokes the record id until `expiresAt` (seconds since the epoch). */
  add(id: string, expiresAt: number): Promise<void> | void;
  /**
   * Optional, for "sign out everywhere" and ending other sessions after a credential change: from now on, refuse
   * every session of `userId` created at or before `mark.at` (seconds), except the record id `mark.keep`; keep the
   * mark until `expiresAt` (a later mark replaces it). A sealed cookie cannot be listed, so this per-user "revoked
   * before" time is how its sessions end everywhere.
   */
  revokeUser?(userId: string, mark: UserRevocation, expiresAt: number): Promise<void> | void;
  /** The user's current mark from `revokeUser`, if any (required with `revokeUser`). */
  userRevocation?(userId: string): Promise<UserRevocation | undefined> | UserRevocation | undefined;
}

/** A per-user "revoked before" mark of a {@link RevocationStore}. */
export interface UserRevocation {
  /** Sessions created at or before this time (seconds since the epoch) are refused. */
  at: number;
  /** Except this record id (the session that changed the credential). */
  keep?: string;
}

/**
 * A {@link SessionStore} that keeps nothing server-side: records are encrypted (AES-GCM) into the cookie, so the
 * browser holds only ciphertext. Logout revokes through `revocations`, or by Transmit refusing the session at the
 * next re-check (`recheckAfter`); a store with neither is refused at creation, as is a missing or short secret
 * (the `TypeError` names the option, never the value).
 *
 * @example
 * ```ts
 * import type { Context } from "hono";
 * const sessions = (c: Context) => cookieSessionStore({ secrets: [c.env.SESSION_SECRET], recheckAfter: 300 });
 * ```
 */
export function cookieSessionStore(options: CookieSessionStoreOptions): SessionStore {
  const secrets = options?.secrets;
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new OptionError(FACTORY, "secrets", "must hold at least one secret");
  }
  secrets.forEach((secret, i) => {
    if (typeof secret !== "string" || secretLength(secret) < MIN_SECRET_BYTES) {
      throw new OptionError(FACTORY, `secrets[${i}]`, "must be a string of at least 32 bytes");
    }
  });
  const revocations = options.revocations;
  if (revocations !== undefined && (typeof revocations?.has !== "function" || typeof revocations?.add !== "function")) {
    throw new OptionError(FACTORY, "revocations", "must be a RevocationStore ({ has, add })");
  }
  const byUser = typeof revocations?.revokeUser === "function" ? revocations : undefined;
  if (byUser && typeof byUser.userRevocation !== "function") {
    throw new OptionError(FACTORY, "revocations", "has revokeUser without userRevocation");
  }
  const recheckAfter =
    options.recheckAfter === undefined
      ? undefined
      : integerIn(FACTORY, "recheckAfter", options.recheckAfter, 300, 30, 3600);
  if (!revocations && recheckAfter === undefined) {
    throw new OptionError(
      FACTORY,
      "revocations",
      "or `recheckAfter` is required: a sealed cookie cannot be revoked without shared state (see the README)",
    );
  }
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
        if (revocations && (await revocations.has(record.id))) return;
        if (byUser && record.userId !== undefined) {
          const mark = await byUser.userRevocation?.(record.userId);
          if (mark && record.createdAt <= mark.at && record.id !== mark.keep) return;
        }
        return record;
      } catch {
        // Wrong key or tampered value: try the next key.
      }
    }
    return;
  }

  const store: SessionStore = {
    create: seal,
    get: open,
    set: (_value, record) => seal(record),
    async delete(value) {
      // Without a revocation store, Transmit's logout (and the next re-check) ends the session.
      const record = await open(value);
      if (record && revocations) await revocations.add(record.id, record.expiresAt);
    },
  };
  // Nothing to list: ending a user's sessions is a "revoked before" mark, which ends every copy of every cookie of
  // that user at once (the routes end the current session, and Transmit's, themselves). No mark: no endUser.
  if (byUser) {
    store.endUser = async (userId, { only, except, at, until }) => {
      if (only === undefined) await byUser.revokeUser?.(userId, except ? { at, keep: except } : { at }, until);
      return { ended: [], failed: 0 };
    };
  }
  return recheckAfter === undefined ? store : { ...store, recheckAfter };
}
