// attack5 F2: sign-up counted its attempt before the router knew the address's region, so a limiter that keeps
// counters per jurisdiction (edge-login) counted each request under the guess of wherever it came from: one budget per
// jurisdiction for the same address (twice the "someone tried to sign up" emails to a taken address's owner) and an
// EU account's counter kept outside the EU. Now sign-up resolves its region before counting and again after it, like
// forgot password, and moves the attempt when the region moved.
import { describe, expect, it } from "vitest";
import { regionWorld } from "./region-world.ts";

const signup = (w: ReturnType<typeof regionWorld>, email: string) =>
  w.post("signup", { email, password: "Fresh-Account-Pass-9!" });

describe("attack5 F2: sign-up counts under the region it goes to", () => {
  it("F2 a sign-up whose region moves after the count (the limiter learnt the address's home) moves its attempt too", async () => {
    const w = regionWorld({ learns: "eu" });
    const { emulator, seen } = w;
    await emulator.addUser("eu", { username: "taken@example.com", password: "Owner-Pass-Word-7!" });
    const res = await signup(w, "taken@example.com");
    expect(res.status).toBe(202);
    await w.settle();
    expect(seen).toEqual(["hit signup us", "release signup us", "hit signup eu"]);
    expect(emulator.requests({ route: "users.create" }).map((r) => r.region)).toEqual(["eu"]);
  });

  it("F2 a sign-up whose region does not move is counted once, under that region, and succeeds there", async () => {
    const w = regionWorld();
    const { emulator, seen } = w;
    const res = await signup(w, "new.person@example.com");
    expect(res.status).toBe(202);
    expect(seen).toEqual(["hit signup us", "succeeded signup us"]);
    expect(emulator.requests({ route: "users.create" }).map((r) => r.region)).toEqual(["us"]);
  });
});

describe("attack5 F8: forgot password moves its count after the answer", () => {
  it("F8 the answer waits for one count only; a moved count that is refused sends no email (the answer was 202 anyway)", async () => {
    // The account's eu counter is full; the us one (the first guess) is not.
    const w = regionWorld({
      learns: "eu",
      verdict: (region) => (region === "eu" ? { allowed: false, retryAfter: 60 } : { allowed: true }),
    });
    const { emulator, seen } = w;
    await emulator.addUser("eu", {
      username: "anna",
      password: "Anna-Pass-Word-7!",
      email: "anna@example.com",
    } as never);
    const res = await w.post("forgot-password", { username: "anna" });
    expect(res.status).toBe(202);
    expect(seen).toEqual(["hit reset us"]);
    await w.settle();
    expect(seen).toEqual(["hit reset us", "release reset us", "hit reset eu"]);
    expect(emulator.requests({ route: "password.reset.email.link" })).toEqual([]);
  });
});
