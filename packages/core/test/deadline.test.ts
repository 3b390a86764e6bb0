import { describe, expect, it } from "vitest";
import { startDeadline } from "../src/deadline.ts";

describe("deadline", () => {
  it("creates no signal until one is needed, and its timer counts from the start of the call", async () => {
    const deadline = startDeadline(40, undefined);
    await new Promise((resolve) => setTimeout(resolve, 25));
    const started = Date.now();
    const signal = deadline.signal;
    expect(signal.aborted).toBe(false);
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    expect(signal.aborted).toBe(true);
    // About 15 ms were left when the signal was first used; never the full 40 ms again.
    expect(Date.now() - started).toBeLessThan(38);
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
});
