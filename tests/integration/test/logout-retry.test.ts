import { createEmulator } from "@transmit-edge/emulator";
import { afterAll, expect, it } from "vitest";
import { calls, clientFor, DEMO_PASSWORD, failure } from "./helpers.ts";

const emulator = createEmulator({ regions: ["eu"] });
afterAll(() => emulator.close());

it("a logout whose first answer was lost still resolves, and the session is gone", async () => {
  const transmit = clientFor(emulator, "eu", { retry: { baseDelayMs: 10 } });
  const login = await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
  emulator.injectFault({ route: "session.logout", drop: "after" });
  await expect(transmit.sessions.logout(login.sessionId!)).resolves.toBeUndefined();
  expect(calls(emulator, "session.logout")).toBe(2);
  expect((await failure(transmit.sessions.authenticate({ sessionId: login.sessionId! }))).code).toBe(
    "session_not_found",
  );
});
