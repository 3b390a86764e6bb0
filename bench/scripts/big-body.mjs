// Peak memory of one `passwords.authenticate` whose upstream answers with a 100 MB token set (a JSON body with a
// 100 MB access token: plain, then as a gzip bomb of about 100 KB), over a real 127.0.0.1 socket. Prints one JSON
// line. Usage: `node --expose-gc scripts/big-body.mjs plain|gzip` (one case per process, so the second case does not
// reuse memory the first one grew). `CORE_MODULE` may point at another build of core (to compare against an older
// one).
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { createGzip } from "node:zlib";

const { createTransmitClient } = await import(
  process.env.CORE_MODULE ? pathToFileURL(process.env.CORE_MODULE).href : "@transmit-edge/core"
);

const MB = 1024 * 1024;
const BODY = 100 * MB;

const HEAD = Buffer.from('{"token_type":"Bearer","expires_in":3600,"access_token":"');
const TAIL = Buffer.from('"}');

async function gzipBomb() {
  const gzip = createGzip({ level: 9 });
  const out = [];
  gzip.on("data", (chunk) => out.push(chunk));
  const done = new Promise((resolve) => gzip.on("end", resolve));
  const letters = Buffer.alloc(MB, "a");
  gzip.write(HEAD);
  for (let i = 0; i < BODY / MB; i++) if (!gzip.write(letters)) await new Promise((r) => gzip.once("drain", r));
  gzip.end(TAIL);
  await done;
  return Buffer.concat(out);
}

const mode = process.argv[2] === "gzip" ? "gzip" : "plain";
const bomb = mode === "gzip" ? await gzipBomb() : Buffer.alloc(0);
const chunk = Buffer.alloc(64 * 1024, "a");
const server = createServer((req, res) => {
  res.on("error", () => {});
  if (req.url.endsWith("/oidc/token")) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ access_token: "t", token_type: "Bearer", expires_in: 3600 }));
    return;
  }
  if (mode === "gzip") {
    res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
    res.end(bomb);
    return;
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.write(HEAD);
  let sent = 0;
  const pump = () => {
    while (sent < BODY) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end(TAIL);
  };
  pump();
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const baseUrl = `http://127.0.0.1:${server.address().port}/eu`;
const client = createTransmitClient({
  baseUrl,
  allowInsecureLoopback: true,
  clientId: "bench",
  clientSecret: "bench",
  timeoutMs: 60_000,
});
await client.clientAccessToken(); // warm: the token, the code paths

async function measure() {
  globalThis.gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  let outcome;
  try {
    const tokens = await client.passwords.authenticate({ username: "alice", password: "pw" });
    outcome = `ok (${tokens.accessToken.length} bytes of access token)`;
  } catch (error) {
    outcome = error?.code ?? String(error);
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  return { growth: peak - before, outcome };
}

const result = await measure();
server.closeAllConnections();
server.close();
console.log(JSON.stringify({ mode, bodyBytes: BODY, sentBytes: mode === "gzip" ? bomb.length : BODY, ...result }));
