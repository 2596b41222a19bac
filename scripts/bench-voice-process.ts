// Process-level helpers of `npm run bench:voice`: pinning, priority, CPU and memory from /proc, the server's health and metrics.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";

export function hasTaskset(): boolean {
  return spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
}

export function pinSelf(core: number): boolean {
  return spawnSync("taskset", ["-a", "-p", "-c", String(core), String(process.pid)], { stdio: "ignore" }).status === 0;
}

// Raises the priority of a process and of all its threads and child processes (Postgres forks its backends
// from the postmaster, so later ones inherit it too).
export function renice(pid: number, priority: number): boolean {
  let isOk = true;
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    const p = pids[i]!;
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        os.setPriority(Number(tid), priority);
      } catch {
        isOk = false;
      }
      try {
        const children = fs.readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").trim();
        if (children) pids.push(...children.split(/\s+/).map(Number));
      } catch {
        // no children file on this kernel
      }
    }
  }
  return isOk;
}

export function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

// utime + stime of a process, in ms.
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

// Busy time of the whole machine, in ms summed over cores.
export function machineBusyMs(): number {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / 100;
}

export async function healthz(url: string): Promise<{ ok: boolean; activeCalls: number } | null> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return (await response.json()) as { ok: boolean; activeCalls: number };
  } catch {
    return null;
  }
}

// Prometheus metrics from the server's /metrics, each summed over its label sets, from one scrape (scraping
// restarts the server's event-loop delay histogram).
export async function serverMetrics<TName extends string>(url: string, names: TName[]): Promise<Record<TName, number | null>> {
  const values = Object.fromEntries(names.map((name) => [name, null])) as Record<TName, number | null>;
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    for (const name of names) {
      // A counter that never moved may not be listed at all.
      let sum = 0;
      for (const line of text.split("\n")) {
        if (line.startsWith(name) && (line[name.length] === " " || line[name.length] === "{")) {
          sum += Number(line.slice(line.lastIndexOf(" ") + 1));
        }
      }
      values[name] = sum;
    }
  } catch {
    // the server is gone; reported by the caller
  }
  return values;
}

// One counter of the server's /metrics by the value of one label, e.g. refusals by reason.
export async function serverCounterByLabel(url: string, name: string, label: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    const pattern = new RegExp(`^${name}\\{[^}]*${label}="([^"]*)"[^}]*\\} (\\S+)$`);
    for (const line of text.split("\n")) {
      const match = pattern.exec(line);
      if (match) counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(match[2]);
    }
  } catch {
    // the server is gone; reported by the caller
  }
  return counts;
}

export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
