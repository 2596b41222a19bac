import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSimScript, parseSimScript } from "./sim-script";

describe("simulator scripts", () => {
  it("loads the example script shipped with the repo", async () => {
    const script = await loadSimScript(path.join(__dirname, "../fixtures/sim/demo-call.json"));
    expect(script.name).toBe("demo-call");
    expect(script.steps.some((s) => "interruptAfterMs" in s)).toBe(true);
    expect(script.steps.at(-1)).toEqual({ hangup: true });
  });

  it("resolves WAV paths against the script's folder", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sim-script-"));
    const file = path.join(dir, "call.json");
    fs.writeFileSync(file, JSON.stringify({ steps: [{ wav: "lines/hello.wav" }, { hangup: true }] }));
    const script = await loadSimScript(file);
    expect(script.steps[0]).toEqual({ wav: path.join(dir, "lines/hello.wav") });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("names the bad step when a script is invalid", () => {
    expect(() => parseSimScript({ steps: [{ say: "hi" }, { pauseMs: -5 }] }, "bad.json")).toThrow(/bad\.json[\s\S]*steps\[1\]/);
    expect(() => parseSimScript({ steps: [{ dtmf: "12x" }] })).toThrow(/Invalid simulator script/);
    expect(() => parseSimScript({ steps: [] })).toThrow(/Invalid simulator script/);
  });
});
