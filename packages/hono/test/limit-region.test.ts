// attack4 F3: the router tells the limiter which region (tenant) an account count goes to, when it knows it before
// counting, so a limiter that keeps data per jurisdiction (edge-login keeps an EU account's counters in the EU) counts
// there. Forgot password: the region the link is sent from; when it moves after the count (a limiter that learns
// the account's home), the attempt is taken back under the old region and counted under the new one, after the
// answer (attack5 F8).
import { describe, expect, it } from "vitest";
import { regionWorld } from "./region-world.ts";

describe("attack4 F3: the limiter learns the region of an account count", () => {
  it("F3 forgot password counts under its region; when the region moves after the count, the attempt moves with it", async () => {
    const { emulator, seen, post, settle } = regionWorld({ learns: "eu" });
    const res = await post("forgot-password", { username: "alice" });
    expect(res.status).toBe(202);
    await settle();
    expect(seen).toEqual(["hit reset us", "release reset us", "hit reset eu"]);
    // The link went out from the region the attempt is counted under.
    expect(emulator.requests({ route: "password.reset.email.link" }).map((r) => r.region)).toEqual(["eu"]);
  });
});
