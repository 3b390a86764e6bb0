#!/usr/bin/env node
// Draws the geographic model as an SVG (no dependencies): per city, login latency through the Worker divided by a
// direct backend call from the same city to the account's home region. `node bench/geo/chart.mjs [serviceMs]`
// writes bench/geo-latency.svg; `pnpm bench` calls `svg()` with the password-check time it measured.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runModel } from "./model.mjs";
import { PUBLISHED } from "./rtt.mjs";

const SERIES = [
  { key: "ratioBefore", label: "main before issue 14", color: "#9e9e9e", shape: "square" },
  { key: "ratio", label: "this branch, the hand-over (assumed object sites)", color: "#1f5fd6", shape: "circle" },
  {
    key: "ratioEverywhere",
    label: "this branch, if every Cloudflare location hosted objects",
    color: "#7e57c2",
    shape: "diamond",
  },
  {
    key: "ratioMain",
    label: "main (second round): the Worker calls each object itself",
    color: "#2e7d32",
    shape: "triangle",
  },
];

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The SVG text for the model at `serviceMs`. */
export function svg(serviceMs, pairs = PUBLISHED) {
  const sites = runModel({ serviceMs, pairs });
  const everywhere = runModel({ serviceMs, placement: "everywhere", pairs });
  const rows = sites.rows.map((r, i) => ({ ...r, ratioEverywhere: everywhere.rows[i].ratio }));
  const left = 190;
  const top = 70;
  const rowH = 18;
  const width = 960;
  const plotW = width - left - 30;
  const height = top + rows.length * rowH + 120;
  const maxRatio = 4;
  // Log scale from 1x to 4x: the targets (1.10x, 1.25x) need room next to 1x.
  const x = (ratio) => left + (Math.log(Math.min(Math.max(ratio, 1), maxRatio)) / Math.log(maxRatio)) * plotW;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>Login latency through the Worker vs a direct call, per city (geographic model)</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="22" font-size="15" font-weight="600">Login through the Worker, as a multiple of a direct call from the same city to the account's home region</text>`,
    `<text x="20" y="40" fill="#555">Password check at Transmit: ${serviceMs.toFixed(0)} ms on both sides. RTTs: WonderNetwork pairs + a distance model fitted on them (bench/README.md). Log scale; lower is better.</text>`,
  );
  for (const tick of [1, 1.1, 1.25, 1.5, 2, 3, 4]) {
    const target = tick === 1.1 || tick === 1.25;
    out.push(
      `<line x1="${x(tick)}" y1="${top - 8}" x2="${x(tick)}" y2="${top + rows.length * rowH}" stroke="${target ? "#c62828" : "#ddd"}" stroke-width="${target ? 1.5 : 1}"${target ? ' stroke-dasharray="4 3"' : ""}/>`,
      `<text x="${x(tick)}" y="${top + rows.length * rowH + 16}" text-anchor="middle" fill="${target ? "#c62828" : "#555"}">${tick}x</text>`,
    );
  }
  out.push(
    `<text x="${x(1.1) - 4}" y="${top - 12}" text-anchor="end" fill="#c62828">median target 1.10x</text>`,
    `<text x="${x(1.25) + 4}" y="${top - 12}" fill="#c62828">worst target 1.25x</text>`,
  );
  rows.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    if (i % 2 === 0) out.push(`<rect x="0" y="${y - rowH / 2}" width="${width}" height="${rowH}" fill="#f6f8fb"/>`);
    out.push(
      `<text x="${left - 8}" y="${y + 4}" text-anchor="end">${esc(r.city)} → ${r.home.toUpperCase()} (direct ${r.direct.ms.toFixed(0)} ms)</text>`,
    );
    for (const s of SERIES) out.push(marker(s, x(r[s.key]), y, r[s.key] > maxRatio));
  });
  const legendY = top + rows.length * rowH + 40;
  SERIES.forEach((s, i) => {
    const lx = left + (i % 2) * 360;
    const ly = legendY + Math.floor(i / 2) * 20;
    out.push(marker(s, lx, ly - 4, false), `<text x="${lx + 12}" y="${ly}">${esc(s.label)}</text>`);
  });
  const lines = [
    `before: median ${sites.before.median.toFixed(2)}x, worst ${sites.before.worst.toFixed(2)}x. This branch: median ${sites.median.toFixed(2)}x, worst ${sites.worst.ratio.toFixed(2)}x (${sites.worst.city}); if every location hosted objects: median ${everywhere.median.toFixed(2)}x, worst ${everywhere.worst.ratio.toFixed(2)}x (${everywhere.worst.city}).`,
    `main (second round, the Worker calls each object): median ${sites.main.median.toFixed(2)}x, worst ${sites.main.worst.toFixed(2)}x. A traveller (one more hand-over): median ${sites.traveller.median.toFixed(2)}x, worst ${sites.traveller.worst.toFixed(2)}x.`,
  ];
  for (const [i, line] of lines.entries()) {
    out.push(`<text x="20" y="${legendY + 50 + i * 18}" fill="#333">${esc(line)}</text>`);
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function marker(s, cx, cy, clipped) {
  const fill = `fill="${s.color}" fill-opacity="0.85"`;
  const title = clipped ? "<title>beyond 4x</title>" : "";
  switch (s.shape) {
    case "square":
      return `<rect x="${cx - 4}" y="${cy - 4}" width="8" height="8" ${fill}>${title}</rect>`;
    case "diamond":
      return `<path d="M${cx} ${cy - 5}L${cx + 5} ${cy}L${cx} ${cy + 5}L${cx - 5} ${cy}Z" ${fill}>${title}</path>`;
    case "triangle":
      return `<path d="M${cx} ${cy - 5}L${cx + 5} ${cy + 4}L${cx - 5} ${cy + 4}Z" ${fill}>${title}</path>`;
    default:
      return `<circle cx="${cx}" cy="${cy}" r="4.5" ${fill}>${title}</circle>`;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const serviceMs = Number(process.argv[2] ?? 0);
  const file = join(dirname(fileURLToPath(import.meta.url)), "..", "geo-latency.svg");
  writeFileSync(file, svg(serviceMs));
  console.log(`wrote ${file}`);
}
