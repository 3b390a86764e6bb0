// First step of `pnpm test`: the suites are developed and run on Node 24 LTS. An older Node fails here with the
// fix, instead of later with a tool's own engine error. Usage: node scripts/require-node.mjs
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  console.error(
    `pnpm test needs Node 24 (this is ${process.version}). Run \`source scripts/toolchain.sh\`: it installs Node 24 ` +
      "from the npm registry when the machine has an older one.",
  );
  process.exit(1);
}
console.log(`node ${process.version}`);
