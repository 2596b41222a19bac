import { describe, expect, it } from "vitest";
import type { Call } from "@/db/schema";
import { assembleInstructions } from "@/lib/agents/assemble-instructions";
import { ZAgentConfig, type TAgentSnapshot } from "@/lib/agents/config";
import type { TChatMessage } from "@/voice-server/providers/types";
import { CallOutcomeTracker } from "./call-outcome";
import type { CallRecord } from "./call-record";
import { OFFLINE_LLM_NAME, storeMessageSoFar, type THangUpMessageInput } from "./hang-up-message";

const AGENT: TAgentSnapshot = {
  agentName: "Ava",
  teamName: "Acme Dental",
  config: ZAgentConfig.parse({ greeting: "Thanks for calling Acme Dental, this is Ava. How can I help?" }),
  knowledge: [],
  departments: [],
};

// A caller who asked for a message to be taken, gave a name, and hung up.
const HALF_A_MESSAGE: TChatMessage[] = [
  { role: "agent", text: AGENT.config.greeting },
  { role: "caller", text: "can you take a message" },
  { role: "agent", text: "Of course. May I have your name, please?" },
  { role: "caller", text: "Omar" },
];

function setup(over: Partial<THangUpMessageInput> = {}) {
  const written: string[] = [];
  const record = {
    event: (kind: string, name: string, data: Record<string, unknown>) => written.push(`${kind} ${name} ${JSON.stringify(data)}`),
    error: (stage: string, kind: string) => written.push(`error ${stage} ${kind}`),
  } as unknown as CallRecord;
  const input: THangUpMessageInput = {
    // Never reached in these cases: nothing is written to the database.
    db: null as never,
    agent: AGENT,
    call: { id: "call-1", teamId: "team-a", fromNumber: "browser" } as Call,
    isAfterHours: false,
    outcome: new CallOutcomeTracker(),
    record,
    llmName: OFFLINE_LLM_NAME,
    instructions: () => assembleInstructions(AGENT, { now: new Date("2024-03-12T15:00:00Z") }),
    conversation: HALF_A_MESSAGE,
    now: new Date("2024-03-12T15:00:00Z"),
    ...over,
  };
  return { input, written };
}

describe("storeMessageSoFar", () => {
  it("guesses nothing for a cloud model: its own judgement decides whether a message was taken", async () => {
    const { input, written } = setup({ llmName: "gemini" });
    await storeMessageSoFar(input);
    expect(written).toEqual([]);
  });

  it("stores nothing twice: a message already taken on the call is the message", async () => {
    const outcome = new CallOutcomeTracker();
    outcome.isMessageTaken = true;
    const { input, written } = setup({ outcome });
    await storeMessageSoFar(input);
    expect(written).toEqual([]);
  });

  it("stores nothing when the caller never started a message", async () => {
    const { input, written } = setup({ conversation: HALF_A_MESSAGE.slice(0, 1) });
    await storeMessageSoFar(input);
    expect(written).toEqual([]);
  });

  it("with no number to call back (a browser test call), says on the timeline why the half-given message was not stored", async () => {
    const { input, written } = setup();
    await storeMessageSoFar(input);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^status message_not_stored /);
    expect(JSON.parse(written[0]!.replace(/^status message_not_stored /, ""))).toEqual({
      reason: "no_callback_number",
      missing: expect.arrayContaining(["callback_number"]),
    });
  });
});
