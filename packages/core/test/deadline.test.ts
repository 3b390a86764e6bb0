import { describe, expect, it } from "vitest";
import { startDeadline } from "../src/deadline.ts";

describe("deadline", () => {
  // Only lower bounds on elapsed time: a sleep lasts at least as long as asked, however busy the machine is.
  it("creates no signal until one is needed, and its time counts from the start of the call", async () => {
    const deadline = startDeadline(60_000, undefined);
    await new Promise((resolve) => setTimeout(resolve, 25));
    const signal = deadline.signal;
    expect(signal.aborted).toBe(false);
    // The signal created late still ends when the call's deadline does, not 60 s after its creation.
    expect(deadline.remainingMs()).toBeLessThanOrEqual(60_000 - 25);
    expect(deadline.remainingMs()).toBeGreaterThan(0);
    deadline.dispose();
  });

  it("aborts the late-created signal with timeout when the time is up", async () => {
    const deadline = startDeadline(20, undefined);
    const signal = deadline.signal;
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    expect(signal.aborted).toBe(true);
    expect(deadline.error(undefined).code).toBe("timeout");
    deadline.dispose();
  });

  it("hands out an already aborted signal when the time was up before the signal was first used", async () => {
    const deadline = startDeadline(5, undefined);
    await new Promise((resolve) => setTimeout(resolve, 15));
    expect(deadline.remainingMs()).toBe(0);
    expect(deadline.signal.aborted).toBe(true);
    deadline.dispose();
  });

  it("reports aborted (not timeout) when the caller's signal aborts", () => {
    const controller = new AbortController();
    const deadline = startDeadline(1000, controller.signal);
    controller.abort();
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.error(undefined).code).toBe("aborted");
    deadline.dispose();
  });

  it("aborts with the caller's reason when the caller aborts after the signal was created", () => {
    const controller = new AbortController();
    const deadline = startDeadline(60_000, controller.signal);
    const signal = deadline.signal;
    expect(signal.aborted).toBe(false);
    const reason = new Error("caller");
    controller.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(deadline.error(undefined).code).toBe("aborted");
    deadline.dispose();
  });

  it("runs its waiters once, on the first abort, and none after they stopped waiting", async () => {
    const controller = new AbortController();
    const deadline = startDeadline(20, controller.signal);
    let first = 0;
    let stopped = 0;
    deadline.whenAborted(() => first++);
    const stop = deadline.whenAborted(() => stopped++);
    stop();
    await new Promise<void>((resolve) => deadline.signal.addEventListener("abort", () => resolve(), { once: true }));
    controller.abort(); // after the timeout: changes nothing
    expect([first, stopped]).toEqual([1, 0]);
    expect(deadline.signal.reason).toBeInstanceOf(DOMException);
    deadline.dispose();
  });

  it("stops listening to the caller's signal once disposed", () => {
    const controller = new AbortController();
    const deadline = startDeadline(60_000, controller.signal);
    const signal = deadline.signal;
    deadline.dispose();
    controller.abort();
    expect(signal.aborted).toBe(false);
  });
});
