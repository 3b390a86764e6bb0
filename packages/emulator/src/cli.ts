/** The `transmit-emulator` command line. */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  ALL_REGIONS,
  checkSeed,
  type OutboxMessage,
  type RegionInfo,
  type RegionName,
  type SeedData,
} from "./index.js";
import { type EmulatorServer, startEmulatorServer } from "./node.js";

const USAGE = `Usage: transmit-emulator [options]

Local emulator of Transmit Security (Mosaic) backend auth endpoints. Not Transmit: for development and tests.

Options:
  --port <n>          TCP port (default 4010; 0 picks a free port)
  --host <addr>       interface to bind (default 127.0.0.1)
  --regions <list>    comma-separated regions to serve (default ${ALL_REGIONS.join(",")})
  --seed <file.json>  extra clients and users: {"eu": {"clients": [...], "users": [...]}}
  --no-demo           do not seed the demo client and users
  --json              print one JSON line with the regions' info once listening, instead of the text block,
                      then one JSON line {"outbox": {...}} per email or SMS sent
  --help              show this help

Each region is served under its prefix: http://127.0.0.1:4010/eu is the EU API host root.
Emails and SMS are not delivered: each is printed (with its link or code) and kept in the region's outbox.
Control API (not Transmit): http://127.0.0.1:4010/__emulator`;

/** Thrown for bad command-line input: exit code 2. */
class UsageError extends Error {}

interface CliOptions {
  port: number;
  host: string;
  regions: RegionName[];
  seed?: SeedData;
  demo: boolean;
  json: boolean;
}

async function parse(argv: string[]): Promise<CliOptions | "help"> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        regions: { type: "string" },
        seed: { type: "string" },
        "no-demo": { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  const portText = (values.port as string | undefined) ?? "4010";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--port must be an integer 0-65535, got "${portText}"`);
  const regions = ((values.regions as string | undefined) ?? ALL_REGIONS.join(","))
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  if (regions.length === 0) throw new UsageError("--regions must name at least one region");
  for (const region of regions) {
    if (!(ALL_REGIONS as readonly string[]).includes(region)) {
      throw new UsageError(`unknown region "${region}" in --regions (expected ${ALL_REGIONS.join(", ")})`);
    }
  }
  const options: CliOptions = {
    port,
    host: (values.host as string | undefined) ?? "127.0.0.1",
    regions: regions as RegionName[],
    demo: !values["no-demo"],
    json: Boolean(values.json),
  };
  const seedPath = values.seed as string | undefined;
  if (seedPath !== undefined) options.seed = await readSeed(seedPath);
  return options;
}

async function readSeed(path: string): Promise<SeedData> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read seed file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`seed file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const { seed, errors } = checkSeed(value);
  if (!seed) throw new UsageError(`seed file ${path} is invalid:\n  ${errors.join("\n  ")}`);
  return seed;
}

function describe(regions: RegionInfo[], url: string): string {
  const lines = [`Transmit emulator (local only, not Transmit) listening on ${url}`, ""];
  for (const r of regions) {
    lines.push(`  ${r.region.padEnd(8)} ${r.root}`);
    lines.push(`           issuer   ${r.issuer}`);
    for (const c of r.clients) lines.push(`           client   ${c.client_id} / ${c.client_secret}`);
    for (const u of r.users) {
      const name = [u.username, u.email && u.username !== u.email ? `<${u.email}>` : undefined]
        .filter(Boolean)
        .join(" ");
      const note =
        u.state !== "active"
          ? `  (${u.state} password: login answers 403)`
          : u.totp_secret
            ? `  (TOTP secret ${u.totp_secret})`
            : u.phone_number
              ? `  (phone ${u.phone_number})`
              : "";
      lines.push(`           user     ${name.padEnd(28)} ${u.password ?? "(no password)"}${note}`);
    }
    lines.push("");
  }
  lines.push("Emails and SMS are printed below as they are sent (outbox: GET /__emulator/<region>/outbox).");
  lines.push(`Control API: ${url}/__emulator   Stop: Ctrl-C`);
  return lines.join("\n");
}

const KIND_LABELS: Record<OutboxMessage["kind"], string> = {
  password_reset_link: "password reset link",
  password_reset_code: "password reset code",
  one_time_code: "one-time code",
};

/** One console line for a sent email or SMS: who it went to and the link or code to use. */
function describeMessage(m: OutboxMessage): string {
  const what = m.kind === "password_reset_link" ? (m.link ?? "") : (m.code ?? "");
  return `outbox ${m.region} ${m.channel} to ${m.to}: ${KIND_LABELS[m.kind]} ${what} (until ${m.expires_at})`;
}

/** Runs the CLI; resolves with the exit code once the server has stopped (or failed to start). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  let options: CliOptions | "help";
  try {
    options = await parse(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`transmit-emulator: ${error.message}\nRun transmit-emulator --help for usage.\n`);
      return 2;
    }
    throw error;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Signal handlers go in before anything is printed: a supervisor may signal as soon as it reads "ready".
  let stopRequested = false;
  let server: EmulatorServer | undefined;
  let stopped: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    stopped = resolve;
  });
  const stop = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    stopRequested = true;
    if (server) void server.close().then(() => stopped(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // Messages are held back until the ready line is out: consumers of --json read the first JSON line as "ready".
  let printing = false;
  const held: OutboxMessage[] = [];
  const print = (m: OutboxMessage) => {
    process.stdout.write(`${options.json ? JSON.stringify({ outbox: m }) : describeMessage(m)}\n`);
  };
  try {
    server = await startEmulatorServer({
      port: options.port,
      host: options.host,
      regions: options.regions,
      demo: options.demo,
      ...(options.seed ? { seed: options.seed } : {}),
      onMessage: (m) => (printing ? print(m) : held.push(m)),
    });
  } catch (error) {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    process.stderr.write(`transmit-emulator: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  if (stopRequested) {
    await server.close();
    return 0;
  }
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(options.host)) {
    process.stderr.write(
      `transmit-emulator: warning: listening on ${options.host}, not loopback; the demo credentials and control API are open to that network\n`,
    );
  }
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ ready: true, url: server.url, port: server.port, regions: server.info() })}\n`,
    );
  } else {
    process.stdout.write(`${describe(server.info(), server.url)}\nready\n`);
  }
  printing = true;
  for (const m of held.splice(0)) print(m);
  return done;
}
