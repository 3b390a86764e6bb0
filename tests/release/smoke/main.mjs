// Node, Deno and Bun entry: `<runtime> main.mjs <emulator region root>`; prints one JSON line.
import { signIn } from "./sign-in.mjs";

const root = globalThis.Deno ? globalThis.Deno.args[0] : globalThis.process.argv[2];
const runtime = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
console.log(JSON.stringify({ runtime, ...(await signIn(root)) }));
