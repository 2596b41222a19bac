// The voice server of another commit, for `npm run bench:voice -- --compare <git-ref>`: a detached git worktree
// under the temp directory, with its own dependencies, and the command its package.json starts the server with.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export type TServerTree = {
  // "current" is this checkout, "previous" the --compare ref.
  label: "current" | "previous";
  root: string;
  commit: string;
  ref: string;
  // Node arguments that start its voice server (its `npm run voice`, with `node` left out).
  nodeArgs: string[];
  // Node arguments that start its worker, the process that analyzes calls after they end; null for a commit from
  // before the worker (no worker/main.ts), whose voice server analyzes calls itself.
  workerNodeArgs: string[] | null;
};

function git(root: string, args: string[]): string {
  const result = spawnSync("git", args, { cwd: root, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout.trim();
}

// `npm run voice` of a tree, as node arguments. The voice server must be one node process the benchmark can pin,
// renice and measure, so the script has to be a plain `node ...` command; a `build:voice` script, if the tree
// has one, runs first (a compiled server).
export function voiceNodeArgs(root: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.voice;
  if (!script) throw new Error(`${root}/package.json has no "voice" script: cannot start that commit's voice server`);
  if (/[;&|<>`$()]/.test(script) || !/^node\s/.test(script)) {
    throw new Error(`${root}/package.json's "voice" script is not a plain \`node ...\` command (${script}); the benchmark cannot run it as one process`);
  }
  return script.trim().split(/\s+/).slice(1);
}

// `npm run worker` runs worker/main.ts through tsx; as one node process (pinned, reniced and measured like the
// server) that is `node --import tsx worker/main.ts`, the way `npm run voice` runs the voice server.
export function workerNodeArgs(root: string): string[] | null {
  return fs.existsSync(path.join(root, "worker", "main.ts")) ? ["--import", "tsx", "worker/main.ts"] : null;
}

// This checkout as it is, uncommitted changes included (marked "+changes").
export function currentTree(root: string): TServerTree {
  const isDirty = git(root, ["status", "--porcelain", "--untracked-files=no"]) !== "";
  const commit = git(root, ["rev-parse", "--short", "HEAD"]) + (isDirty ? "+changes" : "");
  return { label: "current", root, commit, ref: "HEAD", nodeArgs: voiceNodeArgs(root), workerNodeArgs: workerNodeArgs(root) };
}

const sameFile = (a: string, b: string) => fs.existsSync(a) && fs.existsSync(b) && fs.readFileSync(a).equals(fs.readFileSync(b));

// Checks `ref` out into <tmp>/aica-bench-<commit> (kept between runs, so a second comparison starts at once) and
// gives it dependencies: this checkout's node_modules through a symlink when package.json and the lockfile are the
// same, otherwise its own `npm ci`.
export function prepareTree(root: string, ref: string, say: (line: string) => void): TServerTree {
  const commit = git(root, ["rev-parse", "--verify", "--short", `${ref}^{commit}`]);
  const dir = path.join(os.tmpdir(), `aica-bench-${commit}`);
  const isReady = fs.existsSync(path.join(dir, ".bench-ready"));
  if (!isReady) {
    if (fs.existsSync(dir)) {
      // A run interrupted while preparing it.
      spawnSync("git", ["worktree", "remove", "--force", dir], { cwd: root, stdio: "ignore" });
      fs.rmSync(dir, { recursive: true, force: true });
      git(root, ["worktree", "prune"]);
    }
    say(`--compare: checking out ${ref} (${commit}) into ${dir}`);
    git(root, ["worktree", "add", "--detach", dir, commit]);
    const isSameDeps = sameFile(path.join(root, "package.json"), path.join(dir, "package.json")) && sameFile(path.join(root, "package-lock.json"), path.join(dir, "package-lock.json"));
    if (isSameDeps) {
      fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
      say("--compare: same package.json and lockfile: sharing this checkout's node_modules");
    } else {
      say("--compare: its dependencies differ: npm ci in that tree (a few minutes, once)");
      const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
      if (ci.status !== 0) throw new Error(`npm ci failed in ${dir}`);
    }
    fs.writeFileSync(path.join(dir, ".bench-ready"), `${new Date().toISOString()}\n`);
  } else {
    say(`--compare: reusing ${dir} (${commit})`);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  if (pkg.scripts?.["build:voice"]) {
    say("--compare: npm run build:voice in that tree");
    const build = spawnSync("npm", ["run", "build:voice"], { cwd: dir, stdio: "inherit" });
    if (build.status !== 0) throw new Error(`npm run build:voice failed in ${dir}`);
  }
  return { label: "previous", root: dir, commit, ref, nodeArgs: voiceNodeArgs(dir), workerNodeArgs: workerNodeArgs(dir) };
}
