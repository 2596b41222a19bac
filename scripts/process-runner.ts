import { spawn, type ChildProcess } from "node:child_process";

// Runs the product's processes side by side (npm run dev, npm start): prefixes their output, and when any of them
// stops, however it stopped (an exit code, a crash, SIGKILL), stops the others and then the shared services
// (embedded Postgres, the Twilio sandbox), and exits. Nothing is left running and the runner never hangs.

export type TChildSpec = { name: string; command: string; args: string[]; env: NodeJS.ProcessEnv };

export type TRunner = {
  readonly children: { name: string; pid: number | undefined }[];
  // Stops everything and exits the process with `code`.
  stop(code: number): Promise<never>;
};

export type TRunnerOptions = {
  // After every child is gone: stop what they shared. Errors are logged, never block the exit.
  cleanup?: () => Promise<void>;
  // How long children get after SIGTERM before SIGKILL (the voice server lets live calls finish first).
  killAfterMs?: number;
  print?: (line: string) => void;
  exit?: (code: number) => never;
};

type TRunning = { spec: TChildSpec; child: ChildProcess; exited: Promise<void>; isExited: boolean };

const IN_OWN_GROUP = "AICA_RUNNER_IN_OWN_GROUP";

// A terminal's Ctrl-C signals its whole foreground process group. With the runner, its children and embedded
// Postgres all in it, Postgres shut down at once (cutting the writes of a call the voice server was finishing)
// and the runner's own SIGTERM reached each child as a second signal, its "exit now". So the command started from
// the terminal only relays: it runs itself again as the runner, in a process group of its own, hands it every
// signal and exits with it. Returns true in the relay (the caller does nothing more), false in the runner, which
// stops everything if the relay goes away.
export function relayFromOwnProcessGroup(): boolean {
  if (process.env[IN_OWN_GROUP] === "1") {
    process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
    return false;
  }
  const runner = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, [IN_OWN_GROUP]: "1" },
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => runner.kill(signal));
  runner.once("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  runner.once("error", (error) => {
    console.error(`could not start the runner: ${error.message}`);
    process.exit(1);
  });
  return true;
}

export function runProcesses(specs: TChildSpec[], options: TRunnerOptions = {}): TRunner {
  const print = options.print ?? ((line: string) => console.log(line));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const width = Math.max(5, ...specs.map((s) => s.name.length));
  const running: TRunning[] = [];
  let stopping: Promise<never> | null = null;

  const stop = (code: number): Promise<never> =>
    (stopping ??= (async () => {
      for (const r of running) if (!r.isExited) r.child.kill("SIGTERM");
      const killTimer = setTimeout(() => {
        for (const r of running) if (!r.isExited) r.child.kill("SIGKILL");
      }, options.killAfterMs ?? 40_000);
      // Each child's exit promise was made when it was spawned, so one that already exited resolves at once.
      await Promise.all(running.map((r) => r.exited));
      clearTimeout(killTimer);
      await options
        .cleanup?.()
        .catch((error: unknown) => print(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`));
      return exit(code);
    })());

  for (const spec of specs) {
    const prefix = (line: string) => `${spec.name.padEnd(width)} │ ${line}`;
    const child = spawn(spec.command, spec.args, { env: spec.env, stdio: ["ignore", "pipe", "pipe"] });
    const entry: TRunning = { spec, child, isExited: false, exited: Promise.resolve() };
    entry.exited = new Promise<void>((resolve) => {
      const done = (description: string) => {
        if (entry.isExited) return;
        entry.isExited = true;
        print(prefix(description));
        resolve();
        // One process gone means the product is broken: stop the rest. A clean exit of its own still counts.
        void stop(stopping ? 0 : 1);
      };
      child.once("exit", (code, signal) => done(`exited (${signal ?? code})`));
      child.once("error", (error) => done(`failed to start: ${error.message}`));
    });
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = "";
      stream?.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) print(prefix(line));
      });
    }
    print(prefix(`started (pid ${child.pid ?? "?"})`));
    running.push(entry);
  }

  // A second Ctrl-C while stopping is passed on: the children's "exit now" (the voice server stops waiting for
  // its live calls).
  const onSignal = () => {
    if (!stopping) return void stop(0);
    for (const r of running) if (!r.isExited) r.child.kill("SIGTERM");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    children: running.map((r) => ({ name: r.spec.name, pid: r.child.pid })),
    stop,
  };
}
