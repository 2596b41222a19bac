import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { VOICE_SERVER_NODE_ARGS, VOICE_SERVER_PROD_ARGS } from "./launch";

describe("voice server launch flags", () => {
  it("npm run voice starts the server the same way as npm run dev, the e2e stack and the benchmark", () => {
    const pkg = JSON.parse(fs.readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.voice).toBe(["node", ...VOICE_SERVER_NODE_ARGS].join(" "));
  });

  it("the compiled production voice server (npm run start:voice, npm start, the image) runs with the same V8 flags", () => {
    const pkg = JSON.parse(fs.readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["start:voice"]).toBe(["NODE_ENV=production", "node", ...VOICE_SERVER_PROD_ARGS].join(" "));
  });
});
