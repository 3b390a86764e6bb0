// attack5: handOff's signedInBefore (attack4 F5) on its own: can a device entry be made to count for another
// username (look-alikes, NFKC, spacing) or region, forged, kept past its lifetime, or padded to make the check
// expensive? Portable: Node, workerd, Deno and Bun. All hold today.
import { describe, expect, it } from "vitest";
import type { HandOff } from "../src/index.ts";
import { loginJson, setup } from "./helpers.ts";

async function signedInJar() {
  // A deployment without a hand-over signs alice in (the fake client's region: eu) and issues her device entry.
  const local = setup();
  const first = await loginJson(local.app, { username: "alice", password: "pw-alice" });
  expect(first.status).toBe(200);
  const jar = first.headers
    .getSetCookie()
    .map((l) => l.split(";")[0] as string)
    .join("; ");
  const device = /__Host-session-device=([^;]*)/.exec(jar)?.[1] as string;
  expect(device).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
  return { jar, device };
}

function asking() {
  const asked: string[] = [];
  const handOff: HandOff = async (_c, login) => {
    const regions = [];
    for (const r of ["eu", "us", "", "eu\u0000alice"]) if (await login.signedInBefore(r)) regions.push(r || "(none)");
    asked.push(regions.join(","));
    return new Response("handed", { status: 200 });
  };
  const s = setup({ auth: { handOff } });
  const as = (username: string, cookie?: string) =>
    loginJson(s.app, { username, password: "whatever" }, cookie ? { cookie } : {});
  return { s, asked, as };
}

describe("attack5: a device entry counts for its exact username and region only", () => {
  it("holds: look-alikes (fullwidth, NFKC, spaces, combining marks) and other regions get no entry", async () => {
    const { jar } = await signedInJar();
    const { asked, as } = asking();
    for (const name of ["alice", "ａｌｉｃｅ", "alice ", " alice", "ali\u0063\u0301e", "alic\u0435", "alice\u0000"]) {
      await as(name, jar);
    }
    // Only the exact username, only in eu (not "", and no separator trick on the region).
    expect(asked).toEqual(["eu", "", "", "", "", "", ""]);
  });

  it("holds: a forged, re-signed or expired entry counts for nothing", async () => {
    const { device } = await signedInJar();
    const { s, asked, as } = asking();
    const [expires, nonce, mac] = device.split(".") as [string, string, string];
    const later = (Number.parseInt(expires, 36) + 86_400 * 365).toString(36);
    await as("alice", `__Host-session-device=${later}.${nonce}.${mac}`); // lifetime pushed out
    await as("alice", `__Host-session-device=${expires}.${"A".repeat(22)}.${mac}`); // another nonce
    await as("alice", `__Host-session-device=${expires}.${nonce}.${"A".repeat(22)}`); // a made-up mac
    await as("alice", `__Host-session-device=${device}`); // the genuine entry
    s.clock.t += 91 * 86_400_000; // past its 90 days
    await as("alice", `__Host-session-device=${device}`);
    expect(asked).toEqual(["", "", "", "eu", ""]);
  });

  it("holds: a padded cookie is read for its first 6 entries only (a genuine 7th entry is not checked)", async () => {
    const { device } = await signedInJar();
    const { asked, as } = asking();
    const junk = Array.from({ length: 6 }, (_, i) => `${(2e9 + i).toString(36)}.${"B".repeat(22)}.${"C".repeat(22)}`);
    await as("alice", `__Host-session-device=${[...junk, device].join("~")}`);
    await as("alice", `__Host-session-device=${[...junk.slice(1), device].join("~")}`);
    expect(asked).toEqual(["", "eu"]);
  });
});
