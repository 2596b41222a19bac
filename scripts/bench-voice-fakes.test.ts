import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { BENCH_HARNESS_NODE_ARGS } from "./bench-voice-fakes";

describe("bench:voice harness flags", () => {
  it("the simulator runs with the same V8 flags as the fake providers' process", () => {
    const pkg = JSON.parse(fs.readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["bench:voice"]).toBe(["node", ...BENCH_HARNESS_NODE_ARGS, "--import", "tsx", "scripts/bench-voice.ts"].join(" "));
  });
});
