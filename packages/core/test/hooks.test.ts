// onEvent can never hurt the caller: sync throws, async rejections and slow hooks are contained.
import { describe, expect } from "vitest";
import type { TransmitError, TransmitEvent } from "../src/index.ts";
import { caught, clientToken, FakeFetch, itEachEntry, json, userTokens } from "./helpers.ts";

const login = { username: "alice", password: "pw" };

/** Records unhandled promise rejections on any of the four runtimes while `fn` runs and a few turns after. */
async function unhandledRejectionsDuring(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const proc = (globalThis as { process?: { on?: unknown; off?: unknown } }).process;
  const nodeLike = typeof proc?.on === "function" && typeof proc.off === "function";
  const onNode = (reason: unknown) => seen.push(reason);
  const onWeb = (event: Event) => {
    seen.push((event as PromiseRejectionEvent).reason);
    event.preventDefault();
  };
  if (nodeLike) (proc as { on: (e: string, f: unknown) => void }).on("unhandledRejection", onNode);
  else globalThis.addEventListener?.("unhandledrejection", onWeb);
  try {
    await fn();
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    if (nodeLike) (proc as { off: (e: string, f: unknown) => void }).off("unhandledRejection", onNode);
    else globalThis.removeEventListener?.("unhandledrejection", onWeb);
  }
  return seen;
}

describe("onEvent hooks are contained", () => {
  itEachEntry("ignores a hook that throws synchronously, on success and on failure", (makeClient) => async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/authenticate", userTokens(), json({ message: "Unauthorized" }, 401));
    const { client } = makeClient(fake, {
      onEvent: () => {
        throw new Error("observer broke");
      },
    });
    expect((await client.passwords.authenticate(login)).accessToken).toBe("user-access-token");
    expect(((await caught(() => client.passwords.authenticate(login))) as TransmitError).code).toBe(
      "invalid_credentials",
    );
  });

  itEachEntry("leaves no unhandled rejection behind when an async hook rejects", (makeClient) => async () => {
    let calls = 0;
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/authenticate", userTokens(), json({ message: "Unauthorized" }, 401));
    const { client } = makeClient(fake, {
      onEvent: async () => {
        calls++;
        throw new Error("async observer broke");
      },
    });
    const seen = await unhandledRejectionsDuring(async () => {
      await client.passwords.authenticate(login);
      await caught(() => client.passwords.authenticate(login));
    });
    expect(calls).toBeGreaterThan(4);
    expect(seen).toEqual([]);
  });

  itEachEntry("does not wait for a slow hook", (makeClient) => async () => {
    const received: TransmitEvent[] = [];
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
    const { client } = makeClient(fake, {
      timeoutMs: 60_000,
      onEvent: (event) => {
        received.push(event);
        return new Promise<void>(() => {}) as unknown as undefined; // never settles
      },
    });
    expect((await client.passwords.authenticate(login)).accessToken).toBe("user-access-token");
    expect(received.map((e) => e.type)).toContain("request.end");
  });
});
