// Shared by the offline engine's tests: a dental receptionist built the way a user would build one in the UI, and a
// driver that replays a call through the provider the way the session does.
import { expect } from "vitest";
import { ZAgentSnapshot, type TAgentSnapshot } from "@/lib/agents/config";
import { assembleInstructions } from "@/lib/agents/assemble-instructions";
import { createOfflineLlm } from "@/voice-server/providers/llm/offline";
import type { TChatMessage, TLlmEvent, TToolCall, TToolSpec } from "@/voice-server/providers/types";

// Tuesday 2024-03-12 15:00 UTC = 11:00 in New York: open. 23:30 UTC = 19:30: closed.
export const OPEN_NOW = new Date("2024-03-12T15:00:00Z");
export const CLOSED_NOW = new Date("2024-03-12T23:30:00Z");

export function receptionist(overrides: Partial<TAgentSnapshot> = {}, config: Record<string, unknown> = {}): TAgentSnapshot {
  return ZAgentSnapshot.parse({
    agentName: "Ava",
    teamName: "Maple Street Dental",
    config: {
      greeting: "Thanks for calling Maple Street Dental. How can I help?",
      businessHours: {
        isEnabled: true,
        timeZone: "America/New_York",
        weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: "08:00", close: "17:00" })),
      },
      ...config,
    },
    knowledge: [
      { id: "address", kind: "qa", title: "Where are you located?", content: "We're at 42 Maple Street, next to the library." },
      {
        id: "insurers",
        kind: "qa",
        title: "Which insurance do you take?",
        content: "We accept Delta Dental, Cigna, Aetna and MetLife.",
      },
      { id: "whitening", kind: "qa", title: "How much is teeth whitening?", content: "Whitening costs 350 dollars." },
      {
        id: "new-patients",
        kind: "qa",
        title: "Are you taking new patients?",
        content: "Yes, we welcome new patients of all ages.",
      },
    ],
    departments: [
      {
        id: "desk",
        name: "Front desk",
        phoneNumber: "+15550000010",
        whenToTransfer: "Booking, rescheduling or cancelling appointments, and general questions",
      },
      {
        id: "oncall",
        name: "On-call dentist",
        phoneNumber: "+15550000011",
        whenToTransfer: "Dental emergencies: severe pain, swelling, bleeding or a broken tooth",
      },
      {
        id: "billing",
        name: "Billing",
        phoneNumber: "+15550000012",
        whenToTransfer: "Questions about invoices, payments and charges",
      },
    ],
    ...overrides,
  });
}

export type TTurn = { text: string; toolCall?: TToolCall; knowledgeIds?: string[] };

// Drives the provider the way the session does: the reply's text and tool call are appended to the history.
export class Call {
  readonly messages: TChatMessage[] = [];
  private readonly llm;
  readonly system: string;

  constructor(
    readonly agent: TAgentSnapshot,
    readonly options: { now?: Date; callerNumber?: string; tools?: TToolSpec[] } = {},
  ) {
    const now = options.now ?? OPEN_NOW;
    this.llm = createOfflineLlm({ now: () => now });
    this.system = assembleInstructions(agent, { now, callerNumber: options.callerNumber });
  }

  // Runs the provider on the history as it is, without adding its reply (for interrupted turns).
  async reply(): Promise<TTurn> {
    const events: TLlmEvent[] = [];
    for await (const event of this.llm.stream({
      system: this.system,
      agent: this.agent,
      messages: [...this.messages],
      tools: this.options.tools ?? [],
      signal: new AbortController().signal,
    })) {
      events.push(event);
    }
    const text = events.flatMap((e) => (e.type === "text" ? [e.text] : [])).join("");
    const toolCall = events.find((e): e is Extract<TLlmEvent, { type: "tool-call" }> => e.type === "tool-call")?.call;
    const done = events.at(-1);
    expect(done?.type).toBe("done");
    return { text, toolCall, knowledgeIds: done?.type === "done" ? done.knowledgeIds : undefined };
  }

  async send(message: TChatMessage): Promise<TTurn> {
    this.messages.push(message);
    const turn = await this.reply();
    if (turn.text) this.messages.push({ role: "agent", text: turn.text });
    if (turn.toolCall) this.messages.push({ role: "agent-tool-call", call: turn.toolCall });
    return turn;
  }

  say(text: string): Promise<TTurn> {
    return this.send({ role: "caller", text });
  }

  result(call: TToolCall, result: Record<string, unknown>): Promise<TTurn> {
    return this.send({ role: "tool-result", call, result });
  }
}

// Where a caller who says `line` ends up: the department transferred to (directly, or after accepting the
// agent's offer), or null when the agent routes nowhere.
export async function routeOf(agent: TAgentSnapshot, line: string): Promise<string | null> {
  const call = new Call(agent);
  const first = await call.say(line);
  if (first.toolCall?.name === "transfer_call") return String(first.toolCall.args.department);
  if (/can help with that\. Would you like me to transfer you\?/.test(first.text)) {
    const yes = await call.say("yes please");
    return yes.toolCall?.name === "transfer_call" ? String(yes.toolCall.args.department) : null;
  }
  const offered = /I can transfer you to (.+?), or take a message/.exec(first.text);
  return offered?.[1] ?? null;
}
