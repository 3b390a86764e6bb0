// The geographic model's lower bound (bench/README.md, "What the model says about the built hand-over"). Node only:
// the model is bench tooling.
import { describe, expect, it } from "vitest";
import { runModel } from "../../geo/model.mjs";

describe("geographic model: the least any design can take", () => {
  const model = runModel({ serviceMs: 100 });

  it("is a lower bound: no city's built login is faster than its bound", () => {
    for (const row of model.rows) expect(row.after.ms).toBeGreaterThanOrEqual(row.bound.ms);
  });

  it("wherever the built login costs more than 1.05x, it is within 0.02x of the bound", () => {
    const slow = model.rows.filter((r) => r.ratio > 1.05);
    expect(slow.map((r) => r.city).sort()).toEqual(["Montreal", "Toronto", "Vancouver"]);
    for (const row of slow) expect(row.ratio - row.ratioBound).toBeLessThanOrEqual(0.02);
  });

  it("EU homes are bounded through EU object sites only (residency)", () => {
    const eu = model.rows.filter((r) => r.home === "eu");
    expect(eu.length).toBeGreaterThan(0);
    for (const row of eu) expect(["Frankfurt", "Warsaw"]).toContain(row.bound.site);
  });

  it("with the assumed object sites, Montreal -> ca cannot reach 1.25x (Ashburn both ways)", () => {
    const montreal = model.rows.find((r) => r.city === "Montreal");
    expect(montreal?.bound.site).toBe("Ashburn");
    expect(montreal?.ratioBound).toBeGreaterThan(1.25);
  });

  it("with objects in every Cloudflare location, the built worst city meets 1.25x", () => {
    expect(runModel({ serviceMs: 100, placement: "everywhere" }).worst.ratio).toBeLessThanOrEqual(1.25);
  });
});
