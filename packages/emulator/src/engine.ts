/** The emulator's shared state and services: regions, clock, policy, faults, request log. */
import { checkCodeSettings } from "./codes.js";
import {
  createSigningKey,
  hashPassword,
  type PasswordHash,
  randomId,
  type SigningKey,
  verifyPassword,
} from "./crypto.js";
import { demoClient, demoUsers } from "./demo.js";
import { checkFailureOverrides, FailureResponder } from "./failures.js";
import { FaultTable } from "./faults.js";
import {
  ALL_REGIONS,
  type ClientSeed,
  type CodeSettings,
  DEFAULT_CODE_SETTINGS,
  DEFAULT_ISSUERS,
  DEFAULT_POLICY,
  type EmulatorOptions,
  type OutboxMessage,
  type PasswordPolicy,
  type RegionName,
  type ResetLinkCode,
  type SessionsApiScope,
  type UserSeed,
} from "./options.js";
import { checkPolicy, Lockout } from "./policy.js";
import { Recorder } from "./recorder.js";
import { checkSeed } from "./seed.js";
import { type ClientRecord, RegionState, type UserRecord } from "./state.js";
import type { RegionRuntime } from "./tokens.js";
import { newTotpRecord, newTotpSecret } from "./totp.js";

const RESET_LINK_CODES: readonly ResetLinkCode[] = ["reset_token", "opaque"];
const SESSIONS_API_SCOPES: readonly SessionsApiScope[] = ["frontend", "all"];

/** Default PBKDF2 iterations: low on purpose (an emulator, used by benchmarks); the salt still differs per user. */
export const DEFAULT_HASH_ITERATIONS = 1000;
/** Default request body limit. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** A served region with its state and lazily generated key. */
export interface Region extends RegionRuntime {
  lockout: Lockout;
}

/** Shared services of one emulator instance. */
export class Engine {
  readonly regions = new Map<RegionName, Region>();
  readonly policy: PasswordPolicy;
  /** One-time code and TOTP settings; changed in place by the control API, restored by reset. */
  readonly codes: CodeSettings;
  readonly resetLinkCode: ResetLinkCode;
  readonly sessionsApiScope: SessionsApiScope;
  readonly failures: FailureResponder;
  readonly faults = new FaultTable();
  readonly recorder = new Recorder();
  readonly hashIterations: number;
  readonly maxBodyBytes: number;
  /** Aborted by `close()`: releases hanging calls. */
  readonly closing = new AbortController();
  #offsetMs = 0;
  #ready: Promise<void> | undefined;
  #dummyHash: Promise<PasswordHash> | undefined;
  readonly #wallClock: () => number;

  constructor(readonly options: EmulatorOptions = {}) {
    const problems = [
      ...(options.policy ? checkPolicy(options.policy).map((m) => `policy: ${m}`) : []),
      ...(options.failures ? checkFailureOverrides(options.failures).map((m) => `failures: ${m}`) : []),
      ...(options.seed ? checkSeed(options.seed).errors.map((m) => `seed: ${m}`) : []),
      ...(options.codes ? checkCodeSettings(options.codes).map((m) => `codes: ${m}`) : []),
    ];
    if (options.resetLinkCode !== undefined && !RESET_LINK_CODES.includes(options.resetLinkCode)) {
      problems.push(`resetLinkCode must be one of ${RESET_LINK_CODES.join(", ")}`);
    }
    if (options.sessionsApiScope !== undefined && !SESSIONS_API_SCOPES.includes(options.sessionsApiScope)) {
      problems.push(`sessionsApiScope must be one of ${SESSIONS_API_SCOPES.join(", ")}`);
    }
    for (const [name, value] of [
      ["hashIterations", options.hashIterations],
      ["maxBodyBytes", options.maxBodyBytes],
    ] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 1))
        problems.push(`${name} must be a positive integer`);
    }
    if (problems.length > 0) throw new TypeError(`Invalid emulator options: ${problems.join("; ")}`);
    this.policy = { ...DEFAULT_POLICY, ...options.policy };
    this.codes = { ...DEFAULT_CODE_SETTINGS, ...options.codes };
    this.resetLinkCode = options.resetLinkCode ?? "reset_token";
    this.sessionsApiScope = options.sessionsApiScope ?? "frontend";
    this.failures = new FailureResponder(options.failures);
    this.hashIterations = options.hashIterations ?? DEFAULT_HASH_ITERATIONS;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#wallClock = options.now ?? Date.now;
    const names = options.regions ?? [...ALL_REGIONS];
    for (const name of names) {
      if (!ALL_REGIONS.includes(name)) throw new Error(`Unknown region "${name}"; expected ${ALL_REGIONS.join(", ")}`);
      if (this.regions.has(name)) continue;
      let key: Promise<SigningKey> | undefined;
      const state = new RegionState(name);
      this.regions.set(name, {
        name,
        issuer: options.issuers?.[name] ?? DEFAULT_ISSUERS[name],
        tenantId: `demo-tenant-${name}`,
        state,
        key: () => {
          key ??= createSigningKey(name, options.keys?.[name]);
          return key;
        },
        lockout: new Lockout(state, this.policy),
      });
    }
  }

  /** Emulator time in epoch ms: the wall clock plus the offset moved by the control API. */
  now(): number {
    return this.#wallClock() + this.#offsetMs;
  }

  /** Moves the emulator clock forward (or back, with a negative value). */
  advanceClock(seconds: number): void {
    this.#offsetMs += seconds * 1000;
  }

  /** Keys generated and seed data stored; every request waits for this. */
  ready(): Promise<void> {
    this.#ready ??= this.#populate();
    return this.#ready;
  }

  /** Restores the initial state: seed data, no faults, empty log, clock offset 0. Keys are kept. */
  async reset(): Promise<void> {
    await this.ready().catch(() => undefined);
    for (const region of this.regions.values()) region.state.clear();
    this.faults.clear();
    this.recorder.clear();
    this.#offsetMs = 0;
    // Policy and failure answers changed through the control API go back to the configured ones. The policy object is
    // updated in place: each region's lockout holds it.
    Object.assign(this.policy, DEFAULT_POLICY, this.options.policy);
    Object.assign(this.codes, DEFAULT_CODE_SETTINGS, this.options.codes);
    this.failures.set(this.options.failures ?? {});
    this.#ready = this.#populate();
    await this.#ready;
  }

  async #populate(): Promise<void> {
    await Promise.all([...this.regions.values()].map((r) => r.key()));
    // Made up front so the first unknown-user login costs the same as any other.
    this.#dummyHash ??= hashPassword(randomId(16), this.hashIterations);
    await this.#dummyHash;
    for (const region of this.regions.values()) {
      if (this.options.demo !== false) {
        this.addClient(region, demoClient(region.name));
        for (const user of demoUsers(region.name)) await this.addUser(region, user);
      }
      const seed = this.options.seed?.[region.name];
      for (const client of seed?.clients ?? []) this.addClient(region, client);
      for (const user of seed?.users ?? []) await this.addUser(region, user);
    }
  }

  /** Registers (or replaces) a client. */
  addClient(region: Region, seed: ClientSeed): ClientRecord {
    const record: ClientRecord = {
      clientId: seed.client_id,
      clientSecret: seed.client_secret,
      resources: seed.resources ?? [],
      appId: `app-${seed.client_id}`,
      appName: seed.app_name ?? seed.client_id,
    };
    region.state.clients.set(record.clientId, record);
    return record;
  }

  /**
   * Stores a user (seed and control API: no complexity check). Fails with the conflicting field when an identifier
   * is taken.
   */
  async addUser(region: Region, seed: UserSeed): Promise<UserRecord | { conflict: string }> {
    const conflict = region.state.conflict({
      ...(seed.username !== undefined ? { username: seed.username } : {}),
      ...(seed.email !== undefined ? { email: seed.email } : {}),
      ...(seed.phone_number !== undefined ? { phoneNumber: seed.phone_number } : {}),
    });
    if (conflict) return { conflict };
    if (seed.user_id !== undefined && region.state.users.has(seed.user_id)) return { conflict: "user_id" };
    const now = this.now();
    const user: UserRecord = {
      userId: seed.user_id ?? randomId(12, "usr_"),
      roles: seed.roles ?? [],
      status: "Active",
      createdAt: now,
      updatedAt: now,
    };
    if (seed.username !== undefined) user.username = seed.username;
    if (seed.email !== undefined) user.email = seed.email;
    if (seed.phone_number !== undefined) user.phoneNumber = seed.phone_number;
    if (seed.given_name !== undefined) user.givenName = seed.given_name;
    if (seed.family_name !== undefined) user.familyName = seed.family_name;
    if (seed.totp_secret !== undefined) user.totp = newTotpRecord(seed.totp_secret);
    if (seed.password !== undefined) {
      user.password = {
        hash: await hashPassword(seed.password, this.hashIterations),
        temporary: seed.temporary ?? false,
        expired: seed.expired ?? false,
        setAt: now,
      };
    }
    region.state.users.set(user.userId, user);
    return user;
  }

  /** Sets a user's password (registration, update, reset). */
  async setPassword(user: UserRecord, password: string, temporary: boolean): Promise<void> {
    const now = this.now();
    user.password = { hash: await hashPassword(password, this.hashIterations), temporary, expired: false, setAt: now };
    user.updatedAt = now;
  }

  /**
   * Checks a password for a user that may not exist. For an unknown user, a dummy hash is compared so that both
   * cases cost the same work.
   */
  async checkPassword(user: UserRecord | undefined, password: string): Promise<boolean> {
    if (user?.password) return verifyPassword(password, user.password.hash);
    this.#dummyHash ??= hashPassword(randomId(16), this.hashIterations);
    await verifyPassword(password, await this.#dummyHash);
    return false;
  }

  /**
   * Registers (or replaces) a user's TOTP authenticator with a base32 secret, or a fresh one; returns the secret.
   * Registration through the emulator is inferred: Transmit registers TOTP for a logged-in user.
   */
  registerTotp(user: UserRecord, secret?: string): string {
    user.totp = newTotpRecord(secret ?? newTotpSecret());
    user.updatedAt = this.now();
    return user.totp.secret;
  }

  /**
   * "Sends" an email or SMS: keeps it in the region's outbox and hands it to the `onMessage` hook. The message holds
   * links and codes only, never a password.
   */
  send(region: Region, message: Omit<OutboxMessage, "id" | "region" | "time">, nowMs: number): OutboxMessage {
    const sent: OutboxMessage = {
      id: randomId(9, "msg_"),
      region: region.name,
      ...message,
      time: new Date(nowMs).toISOString(),
    };
    region.state.send(sent);
    try {
      this.options.onMessage?.({ ...sent });
    } catch {
      // A failing printer must not fail the Transmit call that sent the message.
    }
    return sent;
  }

  /** Resolves a served region by its path segment. */
  region(name: string): Region | undefined {
    return this.regions.get(name as RegionName);
  }
}
