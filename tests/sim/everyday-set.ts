import { readFile } from "node:fs/promises";
import path from "node:path";
import { assembleInstructions } from "@/lib/agents/assemble-instructions";
import { type TAgentSnapshot, ZAgentSnapshot } from "@/lib/agents/config";
import { offlineReply, speakDigits, type TOfflineReply } from "@/voice-server/providers/llm/offline";
import type { TChatMessage } from "@/voice-server/providers/types";
import { QUALITY_AGENT, QUALITY_NOW } from "./quality-set";

// The offline engine's text-level evaluation: everyday caller lines (tests/fixtures/nlu/everyday-lines.txt), each
// with the outcome a receptionist should reach, replayed through offlineReply() at a given point of a call. Text
// only, so the whole set runs in well under a second: it measures understanding, not recognition.

export const EVERYDAY_FILE = path.resolve(import.meta.dirname, "../fixtures/nlu/everyday-lines.txt");
// Written after the engine was tuned on EVERYDAY_FILE and never tuned on: how well that tuning generalises.
export const FRESH_FILE = path.resolve(import.meta.dirname, "../fixtures/nlu/everyday-fresh.txt");

// Where in the call the line is said: the caller lines before it (the agent's replies are the engine's own).
export const EVERYDAY_CONTEXTS = {
  start: [],
  afterAnswer: ["when are you open"],
  afterUnknown: ["what's the weather like tomorrow"],
  askingName: ["i'd like to leave a message for the office"],
  askingNumber: ["i'd like to leave a message for the office", "it's maria lopez"],
  // Name and number given: the agent asks what the message is.
  askingMessage: ["i'd like to leave a message for the office", "it's maria lopez", "five five five two one two four four three three"],
} satisfies Record<string, string[]>;
export type TEverydayContext = keyof typeof EVERYDAY_CONTEXTS;

export type TEverydayLine = { intent: string; context: TEverydayContext; text: string; expect: string; isHeard: boolean };


const OUTCOME = /^(hours|knowledge:\w+|route:\w+|transfer(:\w+)?|message|saved|name:.+|number:\d+|end|thanks|redirect|again|yesanswer)$/;
// One outcome, or alternatives that are all right ("redirect|route:desk").
const isOutcome = (expect: string) => expect.split("|").every((e) => OUTCOME.test(e) && e !== "name" && e !== "number");

export function parseEverydayLines(source: string): TEverydayLine[] {
  const lines: TEverydayLine[] = [];
  let block: { intent: string; context: TEverydayContext; expect: string } | null = null;
  for (const [index, raw] of source.split("\n").entries()) {
    const line = raw.trim();
    const where = `line ${index + 1}`;
    if (!line || (line.startsWith("#") && !line.startsWith("## "))) continue;
    if (line.startsWith("## ")) {
      const [intent, context, expect] = line.slice(3).trim().split(/\s+/);
      if (!intent || !context || !(context in EVERYDAY_CONTEXTS) || !expect)
        throw new Error(`${where}: bad block header "${line}"`);
      block = { intent, context: context as TEverydayContext, expect };
      continue;
    }
    if (!block) throw new Error(`${where}: line before any block header`);
    const [text = "", own] = line.split(" => ").map((s) => s.trim());
    const expect = own ?? block.expect;
    if (!isOutcome(expect)) throw new Error(`${where}: bad outcome "${expect}"`);
    lines.push({ intent: block.intent, context: block.context, text, expect, isHeard: block.intent.startsWith("heard-") });
  }
  return lines;
}

export async function loadEverydayLines(file = EVERYDAY_FILE): Promise<TEverydayLine[]> {
  return parseEverydayLines(await readFile(file, "utf8"));
}

// A second receptionist, worded the way another dental office would fill in the form: different titles, prices,
// hours and department names, the same entry and department ids so one set of outcomes serves both agents.
export const HARBOR_AGENT: TAgentSnapshot = ZAgentSnapshot.parse({
  agentName: "Sam",
  teamName: "Harbor View Family Dentistry",
  config: {
    greeting: "Harbor View Family Dentistry, this is Sam. What can I do for you today?",
    businessHours: {
      isEnabled: true,
      timeZone: "America/Chicago",
      weekly: [
        ...[1, 2, 3, 4].map((day) => ({ day, open: "07:30", close: "16:00" })),
        { day: 5, open: "08:00", close: "13:00" },
      ],
    },
  },
  knowledge: [
    {
      id: "location",
      kind: "qa",
      title: "Address and directions",
      content: "We're at 1250 Ocean Boulevard, Suite 3, across from the marina.",
    },
    {
      id: "insurance",
      kind: "qa",
      title: "Insurance",
      content:
        "We're in network with Cigna, Aetna, MetLife, Delta Dental, Guardian and Blue Cross Blue Shield, and we file claims for most other PPO plans.",
    },
    { id: "cleaning", kind: "qa", title: "How much does a cleaning cost?", content: "A routine cleaning is 135 dollars without insurance." },
    { id: "whitening", kind: "qa", title: "Whitening", content: "In-office whitening is 399 dollars; take-home trays are 199 dollars." },
    { id: "exam", kind: "qa", title: "Exam price", content: "A new patient exam with x-rays is 149 dollars." },
    {
      id: "parking",
      kind: "qa",
      title: "Is there parking?",
      content: "Yes, there's free parking in the lot next to the building and on the street.",
    },
  ],
  departments: [
    {
      id: "desk",
      name: "Reception",
      phoneNumber: "+15550001001",
      whenToTransfer: "Appointments: new bookings, changes and cancellations. Anything else.",
    },
    { id: "billing", name: "Billing office", phoneNumber: "+15550001002", whenToTransfer: "Bills, statements, payments or refunds" },
    {
      id: "oncall",
      name: "Dentist on call",
      phoneNumber: "+15550001003",
      whenToTransfer: "Urgent problems: toothache, swelling, bleeding, broken teeth, injuries",
    },
  ],
});

// Wednesday 2024-03-13 16:00 UTC = 10:00 in Chicago: open.
export const HARBOR_NOW = new Date("2024-03-13T16:00:00Z");

export type TEverydayAgent = { name: string; agent: TAgentSnapshot; now: Date };
export const EVERYDAY_AGENTS: TEverydayAgent[] = [
  { name: "bright-smile", agent: QUALITY_AGENT, now: QUALITY_NOW },
  { name: "harbor-view", agent: HARBOR_AGENT, now: HARBOR_NOW },
];

export type TEverydayResult = { line: TEverydayLine; isRight: boolean; got: string };

// Replays a call the way the session would: each reply's text and tool call go into the history.
export function createEverydayRunner({ agent, now }: TEverydayAgent) {
  const system = assembleInstructions(agent, { now });
  const reply = (messages: TChatMessage[]) => offlineReply({ system, agent, messages, tools: [] }, now);
  const push = (messages: TChatMessage[], answer: TOfflineReply) => {
    if (answer.text) messages.push({ role: "agent", text: answer.text });
    if (answer.toolCall) messages.push({ role: "agent-tool-call", call: { id: `t${messages.length}`, ...answer.toolCall } });
  };
  const histories = new Map<TEverydayContext, TChatMessage[]>();
  const historyOf = (context: TEverydayContext): TChatMessage[] => {
    let messages = histories.get(context);
    if (messages) return messages;
    messages = [{ role: "agent", text: agent.config.greeting }];
    for (const text of EVERYDAY_CONTEXTS[context]) {
      messages.push({ role: "caller", text });
      push(messages, reply(messages));
    }
    histories.set(context, messages);
    return messages;
  };
  const departmentId = (name: unknown) => agent.departments.find((d) => d.name.trim() === name)?.id ?? `?${String(name)}`;
  const describe = (answer: TOfflineReply) =>
    answer.toolCall
      ? `tool:${answer.toolCall.name}(${JSON.stringify(answer.toolCall.args)}) ${answer.text}`
      : answer.knowledgeIds.length > 0
        ? `knowledge:${answer.knowledgeIds.join(",")} ${answer.text}`
        : answer.text;

  return (line: TEverydayLine): TEverydayResult => {
    const messages = [...historyOf(line.context), { role: "caller" as const, text: line.text }];
    const answer = reply(messages);
    const got = describe(answer);
    const isRight = line.expect.split("|").some((expect) => judge(expect, messages, answer));
    return { line, isRight, got };
  };

  function judge(expect: string, messages: TChatMessage[], answer: TOfflineReply): boolean {
    const [kind, arg = ""] = expect.split(/:(.*)/s);
    const tool = answer.toolCall;
    const plain = !tool && answer.knowledgeIds.length === 0;
    switch (kind) {
      case "hours":
        return plain && /\b(we're open|we're closed|today's hours|open from|open right now)\b/i.test(answer.text);
      case "knowledge":
        return !tool && answer.knowledgeIds.includes(arg);
      case "transfer":
        if (arg === "") return tool?.name === "transfer_call" || (plain && /which department/i.test(answer.text));
        return tool?.name === "transfer_call" && departmentId(tool.args.department) === arg;
      case "route": {
        // Transferred, offered a transfer that a "yes" accepts, or offered the department by name.
        if (tool) return tool.name === "transfer_call" && departmentId(tool.args.department) === arg;
        if (/can help with that\. Would you like me to transfer you\?/.test(answer.text)) {
          const next = [...messages];
          push(next, answer);
          const yes = reply([...next, { role: "caller", text: "yes please" }]);
          return yes.toolCall?.name === "transfer_call" && departmentId(yes.toolCall.args.department) === arg;
        }
        const offered = /I can transfer you to (.+?), or take a message/.exec(answer.text)?.[1];
        return offered !== undefined && departmentId(offered) === arg;
      }
      case "message":
        return (plain && /\byour name\b/i.test(answer.text)) || tool?.name === "take_message";
      case "saved":
        return tool?.name === "take_message";
      case "name":
        return plain && answer.text.toLowerCase().includes(arg.toLowerCase()) && /number/i.test(answer.text);
      case "number":
        return plain && answer.text.includes(speakDigits(arg));
      case "end":
        return tool?.name === "end_call";
      case "thanks":
        return tool?.name === "end_call" || (plain && /you're welcome/i.test(answer.text));
      case "redirect":
        return plain && /(not something I can help with|don't have that information)/i.test(answer.text);
      case "again":
        return plain && /(didn't|did not) (quite )?(catch|get)|say it (again|another way)/i.test(answer.text);
      case "yesanswer":
        return plain && /what can i help you with/i.test(answer.text);
      default:
        throw new Error(`unknown outcome ${expect}`);
    }
  }
}

export type TEverydaySummary = { lines: number; right: number; percent: number };
export function summarize(results: TEverydayResult[]): TEverydaySummary {
  const right = results.filter((r) => r.isRight).length;
  return { lines: results.length, right, percent: results.length === 0 ? 0 : Math.round((1000 * right) / results.length) / 10 };
}
