/** In-memory state of one region's tenant: clients, users, sessions, refresh and reset tokens, lockout. */
import type { PasswordHash } from "./crypto.js";
import type { OutboxMessage, RegionName } from "./options.js";

/** A client (application) registered in the tenant. */
export interface ClientRecord {
  clientId: string;
  clientSecret: string;
  resources: string[];
  appId: string;
  appName: string;
}

/** A stored password credential. */
export interface PasswordRecord {
  hash: PasswordHash;
  /** Set with `force_replace: true`: must be replaced after login. */
  temporary: boolean;
  /** Forced expiry (seeded `expired: true`), on top of the time-based `passwordExpiresIn`. */
  expired: boolean;
  /** Emulator-clock epoch ms when the password was set. */
  setAt: number;
}

/** A registered TOTP authenticator and its attempt bookkeeping. */
export interface TotpRecord {
  /** Base32 secret, as given to the authenticator app. */
  secret: string;
  /** Last accepted time step: a token is accepted once (RFC 6238 section 5.2). */
  lastStep: number;
  /** Wrong tokens in a row. */
  failures: number;
  /** Emulator-clock epoch ms until which TOTP is locked. */
  lockedUntil: number;
}

/** A user of the tenant. */
export interface UserRecord {
  userId: string;
  username?: string;
  email?: string;
  phoneNumber?: string;
  givenName?: string;
  familyName?: string;
  roles: string[];
  status: "Active" | "Disabled" | "Pending";
  password?: PasswordRecord;
  totp?: TotpRecord;
  createdAt: number;
  updatedAt: number;
}

/** A backend (IDP) session. */
export interface SessionRecord {
  sessionId: string;
  userId: string;
  clientId: string;
  createdAt: number;
  expiresAt: number;
  authTime: number;
  amr: string[];
}

/** An opaque refresh token. */
export interface RefreshRecord {
  sessionId: string;
  userId: string;
  clientId: string;
  resource?: string;
  expiresAt: number;
  /** Rotated away (used once) or revoked by logout. */
  spent: boolean;
}

/** Counted password failures and suspension of one login identity. */
export interface LockoutRecord {
  failures: number[];
  lockedUntil: number;
}

/** A one-time code waiting to be used: a login OTP or a password-reset OTP. */
export interface CodeRecord {
  userId: string;
  code: string;
  /** Where it was sent; decides the `amr` value of a login OTP. */
  channel: "email" | "sms" | "direct";
  expiresAt: number;
}

/** Wrong one-time codes in a row of one user and purpose, and the lockout they led to. */
export interface CodeLockoutRecord {
  failures: number;
  lockedUntil: number;
}

/** The identifier kinds of `username_type`. */
export type UsernameType = "username" | "email" | "phone_number";

/** The identifier kinds of `identifier_type` (one-time codes, TOTP): a login identifier or the user id. */
export type IdentifierType = UsernameType | "user_id";

/** Most messages kept in a region's outbox; the oldest go first. */
const MAX_OUTBOX = 1000;

/** Everything one region holds; reset by the control API. */
export class RegionState {
  readonly clients = new Map<string, ClientRecord>();
  readonly users = new Map<string, UserRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly refreshTokens = new Map<string, RefreshRecord>();
  /** Reset-token `jti` -> consumed flag and owner. */
  readonly resetTokens = new Map<string, { userId: string; used: boolean }>();
  readonly lockouts = new Map<string, LockoutRecord>();
  /** Pending one-time codes, keyed `<purpose>:<user id>`: a new code replaces the previous one. */
  readonly codes = new Map<string, CodeRecord>();
  /** One-time code failures and lockouts, keyed like {@link RegionState.codes}. */
  readonly codeLockouts = new Map<string, CodeLockoutRecord>();
  /** Opaque reset-link codes -> the reset token they stand for (`resetLinkCode: "opaque"`). */
  readonly resetLinkCodes = new Map<string, string>();
  /** Emails and SMS sent, oldest first. */
  readonly outbox: OutboxMessage[] = [];

  constructor(readonly region: RegionName) {}

  /** Finds a user by login identifier. Emails compare case-insensitively. */
  findUser(identifier: string, type: UsernameType): UserRecord | undefined {
    const wanted = type === "email" ? identifier.toLowerCase() : identifier;
    for (const user of this.users.values()) {
      if (type === "username" && user.username === wanted) return user;
      if (type === "email" && user.email?.toLowerCase() === wanted) return user;
      if (type === "phone_number" && user.phoneNumber === wanted) return user;
    }
    return undefined;
  }

  /** Finds a user by a one-time-code identifier: a login identifier, or the user id itself. */
  findByIdentifier(identifier: string, type: IdentifierType): UserRecord | undefined {
    return type === "user_id" ? this.users.get(identifier) : this.findUser(identifier, type);
  }

  /** Sent messages, oldest first, optionally to one recipient (case-insensitive) and of one kind. */
  messages(filter: { to?: string; kind?: string } = {}): OutboxMessage[] {
    const to = filter.to?.toLowerCase();
    return this.outbox.filter((m) => (!to || m.to.toLowerCase() === to) && (!filter.kind || m.kind === filter.kind));
  }

  /** Keeps a sent message, dropping the oldest beyond the limit. */
  send(message: OutboxMessage): void {
    this.outbox.push(message);
    if (this.outbox.length > MAX_OUTBOX) this.outbox.shift();
  }

  /** The identifier already used by another user, if any. */
  conflict(candidate: { username?: string; email?: string; phoneNumber?: string }): string | undefined {
    if (candidate.username !== undefined && this.findUser(candidate.username, "username")) return "username";
    if (candidate.email !== undefined && this.findUser(candidate.email, "email")) return "email";
    if (candidate.phoneNumber !== undefined && this.findUser(candidate.phoneNumber, "phone_number")) {
      return "phone_number";
    }
    return undefined;
  }

  /** Revokes every refresh token of a session. */
  revokeSessionTokens(sessionId: string): void {
    for (const record of this.refreshTokens.values()) {
      if (record.sessionId === sessionId) record.spent = true;
    }
  }

  /** Empties the region. */
  clear(): void {
    this.clients.clear();
    this.users.clear();
    this.sessions.clear();
    this.refreshTokens.clear();
    this.resetTokens.clear();
    this.lockouts.clear();
    this.codes.clear();
    this.codeLockouts.clear();
    this.resetLinkCodes.clear();
    this.outbox.length = 0;
  }
}
