import type { TScenarioStep } from "./types";

// The scenario form's caller script: one row per caller line, with optional tokens [pause 800], [dtmf 1],
// [silence 5], [hangup] anywhere in a row, in order; [interrupt 800] takes the rest of its row as what the caller
// says over the agent's next reply, 800 ms after it starts. Parsing refuses unknown tokens with the row number, so a
// typo is not silently sent to the agent as speech.

const TOKEN = /\[([a-z]+)(?:\s+([^\]]*))?\]/gi;

export type TParsedScript = { ok: true; steps: TScenarioStep[] } | { ok: false; error: string };

export function parseCallerScript(text: string): TParsedScript {
  const steps: TScenarioStep[] = [];
  const rows = text.split(/\r?\n/);
  for (const [index, raw] of rows.entries()) {
    const row = raw.trim();
    if (!row) continue;
    const where = `Row ${index + 1}`;
    let last = 0;
    let interrupted = false;
    const pushSay = (chunk: string) => {
      const said = chunk.trim();
      if (said) steps.push({ kind: "say", text: said });
    };
    for (const match of row.matchAll(TOKEN)) {
      if (interrupted) break;
      pushSay(row.slice(last, match.index));
      last = match.index + match[0].length;
      const name = (match[1] ?? "").toLowerCase();
      const arg = (match[2] ?? "").trim();
      switch (name) {
        case "pause": {
          const ms = Number(arg);
          if (!Number.isInteger(ms) || ms < 50 || ms > 30_000) return { ok: false, error: `${where}: [pause N] needs milliseconds from 50 to 30000.` };
          steps.push({ kind: "pause", ms });
          break;
        }
        case "dtmf": {
          if (!/^[0-9*#]{1,20}$/.test(arg)) return { ok: false, error: `${where}: [dtmf ...] needs keys 0-9, * or # (at most 20).` };
          steps.push({ kind: "dtmf", digits: arg });
          break;
        }
        case "silence": {
          const seconds = Number(arg);
          if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60) return { ok: false, error: `${where}: [silence N] needs whole seconds from 1 to 60.` };
          steps.push({ kind: "silence", seconds });
          break;
        }
        case "hangup":
          if (arg) return { ok: false, error: `${where}: [hangup] takes nothing after it.` };
          steps.push({ kind: "hangup" });
          break;
        case "interrupt": {
          const ms = Number(arg);
          if (!arg || !Number.isInteger(ms) || ms < 0 || ms > 30_000) return { ok: false, error: `${where}: [interrupt N] needs milliseconds from 0 to 30000.` };
          // The rest of the row is what the caller says over the agent.
          const rest = row.slice(last).trim();
          if (!rest || /\[[a-z]+/i.test(rest)) {
            return { ok: false, error: `${where}: [interrupt ${ms}] is followed by what the caller says over the agent, and nothing else.` };
          }
          steps.push({ kind: "interrupt", afterMs: ms, text: rest });
          last = row.length;
          interrupted = true;
          break;
        }
        default:
          return { ok: false, error: `${where}: unknown token [${name}]. Use [pause N], [dtmf N], [silence N], [interrupt N] or [hangup].` };
      }
    }
    pushSay(row.slice(last));
  }
  if (steps.length === 0) return { ok: false, error: "Write at least one caller line." };
  return { ok: true, steps };
}

export function formatCallerScript(steps: TScenarioStep[]): string {
  return steps
    .map((s) => {
      switch (s.kind) {
        case "say":
          return s.text;
        case "pause":
          return `[pause ${s.ms}]`;
        case "dtmf":
          return `[dtmf ${s.digits}]`;
        case "silence":
          return `[silence ${s.seconds}]`;
        case "hangup":
          return "[hangup]";
        case "interrupt":
          return `[interrupt ${s.afterMs}] ${s.text}`;
      }
    })
    .join("\n");
}
