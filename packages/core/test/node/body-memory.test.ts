// Node-only: memory stays bounded against huge upstream bodies sent over a real socket (127.0.0.1), including a
// gzip bomb that the runtime's fetch inflates before the client sees a byte.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createGzip } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { createTransmitClient, type TransmitError } from "../../src/index.ts";
import { caught } from "../helpers.ts";

const MB = 1024 * 1024;
const BODY = 100 * MB;
/** Memory growth allowed for one call: the 512 KiB token-set limit plus fetch's own buffers, with wide margin. */
const ALLOWED_GROWTH = 48 * MB;

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** 100 MB of zeros, gzip-compressed (about 100 KB). */
async function gzipBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => gzip.on("end", resolve));
  const zeros = Buffer.alloc(MB);
  for (let i = 0; i < BODY / MB; i++) if (!gzip.write(zeros)) await new Promise((r) => gzip.once("drain", r));
  gzip.end();
  await done;
  return Buffer.concat(out);
}

/** A fake Transmit on 127.0.0.1 whose authenticate answer is 100 MB, streamed with backpressure. */
async function startUpstream(bomb?: Buffer): Promise<string> {
  const chunk = Buffer.alloc(64 * 1024, "a");
  server = createServer((req, res) => {
    if (req.url?.endsWith("/oidc/token")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: "t", token_type: "Bearer", expires_in: 3600 }));
      return;
    }
    if (bomb) {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(bomb);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    let sent = 0;
    const pump = () => {
      while (sent < BODY) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    res.on("error", () => {});
    pump();
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/eu`;
}

/** Runs `fn` and returns the highest RSS growth seen while it ran (sampled every 2 ms). */
async function peakRssGrowth(fn: () => Promise<unknown>): Promise<number> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage.rss()) - before;
}

describe("memory against huge upstream bodies (real sockets)", () => {
  it("a 100 MB authenticate answer fails with invalid_response and grows memory by little more than the limit", async () => {
    const baseUrl = await startUpstream();
    const client = createTransmitClient({ baseUrl, allowInsecureLoopback: true, clientId: "i", clientSecret: "s" });
    let error: TransmitError | undefined;
    const growth = await peakRssGrowth(async () => {
      error = (await caught(() => client.passwords.authenticate({ username: "a", password: "b" }))) as TransmitError;
    });
    expect(error?.code).toBe("invalid_response");
    expect(growth).toBeLessThan(ALLOWED_GROWTH);
  }, 30_000);

  it("a gzip bomb (100 MB inflated) is stopped at the limit after decompression", async () => {
    const bomb = await gzipBomb();
    expect(bomb.length).toBeLessThan(BODY / 100);
    const baseUrl = await startUpstream(bomb);
    const client = createTransmitClient({ baseUrl, allowInsecureLoopback: true, clientId: "i", clientSecret: "s" });
    let error: TransmitError | undefined;
    const growth = await peakRssGrowth(async () => {
      error = (await caught(() => client.passwords.authenticate({ username: "a", password: "b" }))) as TransmitError;
    });
    expect(error?.code).toBe("invalid_response");
    expect(growth).toBeLessThan(ALLOWED_GROWTH);
  }, 30_000);
});
