import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createZip } from "./zip";

const dir = mkdtempSync(path.join(tmpdir(), "aica-zip-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Read back by independent implementations: Python's zipfile (always present here) and Info-ZIP's unzip if installed.
describe("createZip", () => {
  it("writes an archive other tools read back byte for byte, deflated and stored entries alike", () => {
    const text = Buffer.from(JSON.stringify({ hello: "wörld", list: Array.from({ length: 200 }, (_, i) => i) }));
    const audio = randomBytes(70_000); // incompressible: stored
    const zip = createZip([
      { name: "caller-data.json", data: text },
      { name: "recordings/a.wav", data: audio, compress: false },
      { name: "README.txt", data: Buffer.from("read me\n") },
      { name: "empty.txt", data: Buffer.alloc(0) },
    ]);
    const file = path.join(dir, "t.zip");
    writeFileSync(file, zip);
    const script = `
import zipfile, sys, hashlib, json
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps({i.filename: [i.compress_type, hashlib.sha256(z.read(i.filename)).hexdigest()] for i in z.infolist()}))`;
    const out = JSON.parse(execFileSync("python3", ["-c", script, file]).toString()) as Record<string, [number, string]>;
    const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
    expect(out["caller-data.json"]).toEqual([8, sha(text)]);
    expect(out["recordings/a.wav"]).toEqual([0, sha(audio)]);
    expect(out["README.txt"]?.[1]).toBe(sha(Buffer.from("read me\n")));
    expect(out["empty.txt"]?.[1]).toBe(sha(Buffer.alloc(0)));
    let hasUnzip = true;
    try {
      execFileSync("unzip", ["-v"], { stdio: "ignore" });
    } catch {
      hasUnzip = false;
    }
    if (hasUnzip) expect(execFileSync("unzip", ["-t", file]).toString()).toMatch(/No errors detected/);
  });

  it("refuses names that would escape the folder they are extracted to", () => {
    expect(() => createZip([{ name: "../x", data: Buffer.alloc(1) }])).toThrow(/bad zip entry name/);
    expect(() => createZip([{ name: "/etc/x", data: Buffer.alloc(1) }])).toThrow(/bad zip entry name/);
  });
});
