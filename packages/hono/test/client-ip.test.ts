// Per-IP throttling against IPv6 rotation, and trusted proxies written as IPv6 CIDR ranges.
import { describe, expect, it } from "vitest";
import { type FakeClient, loginJson, setup } from "./helpers.ts";

/** The i-th address of 2001:db8:1:2::/64 (the low 64 bits vary). */
const inOneNetwork = (i: number) =>
  `2001:db8:1:2:${(i >> 16) & 0xffff}:${(i * 7919) & 0xffff}:${(i * 104729) & 0xffff}:${i & 0xffff}`.replace(
    /:(\d+)/g,
    (_, n) => `:${Number(n).toString(16)}`,
  );

function ipSent(fake: FakeClient, call = 0): string | undefined {
  const input = fake.calls.filter((c) => c.method === "authenticate")[call]?.args[0] as
    | { clientAttributes?: { ipAddress?: string } }
    | undefined;
  return input?.clientAttributes?.ipAddress;
}

describe("A. per-IP limits against IPv6 rotation", () => {
  it("A05 H06 1,000 IPv6 addresses from one /64 share one bucket: after the limit, 429 without an upstream call", async () => {
    const s = setup({ limits: { ip: 5 } });
    const statuses: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const res = await loginJson(s.app, { username: `u${i}`, password: "x" }, { "cf-connecting-ip": inOneNetwork(i) });
      statuses.push(res.status);
    }
    expect(statuses.filter((st) => st === 401)).toHaveLength(5);
    expect(statuses.filter((st) => st === 429)).toHaveLength(995);
    expect(s.fake.count("authenticate")).toBe(5);
    // Transmit still sees each user's own address (in canonical form, as a URL host shows it).
    expect(ipSent(s.fake, 3)).toBe(new URL(`http://[${inOneNetwork(3)}]`).hostname.slice(1, -1));
  });

  it("A05 another /64 has its own bucket, and spellings of one address are one address", async () => {
    const s = setup({ limits: { ip: 2 } });
    const spellings = ["2001:db8:9::1", "2001:0DB8:0009:0000:0000:0000:0000:0001", "[2001:db8:9::1]"];
    const answers = [];
    for (const ip of spellings)
      answers.push((await loginJson(s.app, { username: "a", password: "x" }, { "cf-connecting-ip": ip })).status);
    expect(answers).toEqual([401, 401, 429]);
    const other = await loginJson(s.app, { username: "a", password: "x" }, { "cf-connecting-ip": "2001:db8:a::1" });
    expect(other.status).toBe(401);
  });

  it("A05 H06 the IPv6 grouping is configurable: with ipv6Prefix 48, two /64s of one /48 share a bucket", async () => {
    const s = setup({ limits: { ip: 2 }, auth: { ipv6Prefix: 48 } });
    const ips = ["2001:db8:1:1::1", "2001:db8:1:2::1", "2001:db8:1:3::1"];
    const answers = [];
    for (const ip of ips)
      answers.push((await loginJson(s.app, { username: "a", password: "x" }, { "cf-connecting-ip": ip })).status);
    expect(answers).toEqual([401, 401, 429]);
    expect(() => setup({ auth: { ipv6Prefix: 129 } })).toThrow(/ipv6Prefix/);
  });

  it("A05 an IPv4-mapped IPv6 address counts as the IPv4 address", async () => {
    const s = setup({ limits: { ip: 2 } });
    const answers = [];
    for (const ip of ["192.0.2.9", "::ffff:192.0.2.9", "::ffff:c000:209"]) {
      answers.push((await loginJson(s.app, { username: "a", password: "x" }, { "cf-connecting-ip": ip })).status);
    }
    expect(answers).toEqual([401, 401, 429]);
  });
});

describe("A. trusted proxies", () => {
  it("A08 H11 an IPv6 CIDR entry matches: behind a trusted IPv6 proxy the forwarded address counts", async () => {
    const s = setup({ auth: { ip: { trustedProxies: ["2001:db8:ffff::/48"] }, getIp: () => "2001:db8:ffff:1::10" } });
    await loginJson(
      s.app,
      { username: "alice", password: "pw-alice" },
      { "x-forwarded-for": "6.6.6.6, 2001:db8:77::5" },
    );
    expect(ipSent(s.fake)).toBe("2001:db8:77::5");
    // A peer outside the range is not trusted: its own address counts.
    const direct = setup({
      auth: { ip: { trustedProxies: ["2001:db8:ffff::/48"] }, getIp: () => "2001:db8:fffe::10" },
    });
    await loginJson(direct.app, { username: "alice", password: "pw-alice" }, { "x-forwarded-for": "198.51.100.4" });
    expect(ipSent(direct.fake)).toBe("2001:db8:fffe::10");
  });

  it("A08 the chain is read right to left through trusted hops of both families", async () => {
    const s = setup({
      auth: { ip: { trustedProxies: ["10.0.0.0/8", "fd00::/8"] }, getIp: () => "fd12::1" },
    });
    await loginJson(
      s.app,
      { username: "alice", password: "pw-alice" },
      { "x-forwarded-for": "203.0.113.50, fd00::7, 10.1.2.3" },
    );
    expect(ipSent(s.fake)).toBe("203.0.113.50");
  });

  it("A08 hops with a port (as some load balancers write them) still name the client, not the proxy", async () => {
    const s = setup({
      limits: { ip: 2 },
      auth: { ip: { trustedProxies: ["10.0.0.0/8"] }, getIp: () => "10.0.0.2" },
    });
    await loginJson(s.app, { username: "alice", password: "pw-alice" }, { "x-forwarded-for": "203.0.113.50:51234" });
    expect(ipSent(s.fake)).toBe("203.0.113.50");
    await loginJson(s.app, { username: "a", password: "x" }, { "x-forwarded-for": "[2001:db8:5::1]:443, 10.9.9.9:80" });
    expect(ipSent(s.fake, 1)).toBe("2001:db8:5::1");
    // One noisy client must not use up the budget of everyone behind the proxy.
    for (let i = 0; i < 5; i++) {
      await loginJson(s.app, { username: "a", password: "x" }, { "x-forwarded-for": "198.51.100.66:40000" });
    }
    const other = await loginJson(
      s.app,
      { username: "bob", password: "pw-bob" },
      { "x-forwarded-for": "198.51.100.77:40001" },
    );
    expect(other.status).toBe(200);
    // A port on a hop does not make a spoofed left-hand entry count: the right-most untrusted hop still wins.
    await loginJson(s.app, { username: "a", password: "x" }, { "x-forwarded-for": "6.6.6.6:1, 198.51.100.88:2" });
    expect(ipSent(s.fake, s.fake.count("authenticate") - 1)).toBe("198.51.100.88");
  });

  it("A08 H11 invalid trustedProxies entries are refused when the instance is created, naming the entry", () => {
    const getIp = () => "192.0.2.1";
    for (const [entry, index] of [
      ["10.0.0.0/33", 0],
      ["2001:db8::/129", 0],
      ["not-an-ip", 0],
      ["10.0.0.0/8/8", 0],
      ["2001:db8:::1", 0],
      ["10.0.0.256", 0],
    ] as const) {
      expect(() => setup({ auth: { ip: { trustedProxies: [entry] }, getIp } })).toThrow(`ip.trustedProxies[${index}]`);
    }
    expect(() => setup({ auth: { ip: { trustedProxies: ["10.0.0.0/8", "::1/200"] }, getIp } })).toThrow(
      "ip.trustedProxies[1]",
    );
    expect(() => setup({ auth: { ip: { trustedProxies: ["10.0.0.0/8"] } } })).toThrow(/getIp/);
  });
});
