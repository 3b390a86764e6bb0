#!/usr/bin/env node
// `pnpm dev`: the Transmit emulator (US, EU, CA, AU) + the edge-login Worker under `wrangler dev`, wired together.
// Prints the login URL and demo credentials, and stops both on Ctrl-C.
import { startDevServers } from "./dev-servers.mjs";

const port = Number(process.env.PORT ?? 8787);
/** Prints an email or SMS the emulator "sent", so reset links and codes can be used by hand. */
function printMessage(m) {
  const what =
    m.kind === "password_reset_link"
      ? `password reset link:\n    ${m.link}`
      : `${m.kind === "password_reset_code" ? "password reset code" : "one-time code"}: ${m.code}`;
  console.log(`\n  [${m.region}] ${m.channel === "sms" ? "SMS" : "Email"} to ${m.to}, ${what}\n`);
}

let servers;
let stopping = false;
// Ctrl-C at any time, also while the servers are still starting, ends quietly with status 0 (no ELIFECYCLE from
// pnpm) and stops both servers: they run in process groups of their own, so the signal does not reach them.
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping ...");
  if (!servers) return; // still starting: the startup below stops what it started
  await servers.stop();
  process.exit(code);
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

console.log("Starting the Transmit emulator and the edge-login Worker ...");
try {
  // Every sign-in asks for a second factor locally (apps/edge-login README, "Second factor").
  servers = await startDevServers({
    port,
    inherit: true,
    onOutbox: printMessage,
    vars: { SECOND_FACTOR: "always" },
  });
} catch (error) {
  if (stopping) process.exit(0);
  console.error(`pnpm dev: ${error.message}`);
  process.exit(1);
}
if (stopping) {
  await servers.stop();
  process.exit(0);
}

const eu = servers.regions.find((r) => r.region === "eu") ?? servers.regions[0];
const note = (u) =>
  u.state !== "active"
    ? `(${u.state} password: asks for a new one)`
    : u.totp_secret
      ? `(TOTP secret ${u.totp_secret})`
      : u.phone_number
        ? `(phone ${u.phone_number})`
        : "";
const users = eu.users.map(
  (u) => `    ${(u.username ?? u.email).padEnd(8)} ${(u.password ?? "").padEnd(20)} ${note(u)}`,
);
console.log(`
  edge-login is running.

  Sign in:   ${servers.url}/login
  Emulator:  ${servers.emulatorUrl}  (regions ${servers.regions.map((r) => r.region).join(", ")})

  Demo users (the same in every region):
${users.join("\n")}

  Emails and SMS (reset links, one-time codes) are printed here as they are sent,
  and listed at ${servers.emulatorUrl}/__emulator/<region>/outbox.

  Second factor (SECOND_FACTOR=always): after the password, ${servers.url}/verify asks for a code.
    tom: the authenticator code of his TOTP secret (add it to an authenticator app), or a code by email;
    sam: "Send a code by text message", then the SMS code printed here; everyone else: a code by email.

  Requests are routed to the nearest region; locally there is no location, so they go to US.
  Try another region with the header X-Debug-Country (e.g. curl -H 'X-Debug-Country: DE' ...).

  Stop: Ctrl-C
`);

// One of the two ending on its own (a crash, a port taken) stops the other; during our own shutdown it is expected.
servers.worker.once("exit", (code) => {
  if (stopping) return;
  console.error(`wrangler dev exited (${code}); stopping the emulator.`);
  void shutdown(1);
});
servers.emulator.once("exit", (code) => {
  if (stopping) return;
  console.error(`The emulator exited (${code}); stopping the Worker.`);
  void shutdown(1);
});
