import { describe, expect, it } from "vitest";
import type { Call } from "@/db/schema";
import { ZAgentConfig, type TAgentSnapshot } from "@/lib/agents/config";
import { CallOutcomeTracker } from "./call-outcome";
import type { CallRecord } from "./call-record";
import { createGeneration } from "./generation";
import { LineHandover } from "./line-handover";
import type { SpeechPlayer } from "./speech-player";
import { CallTools, hungUpToolContext } from "./tool-context";

const AGENT: TAgentSnapshot = { agentName: "Ava", teamName: "Acme", config: ZAgentConfig.parse({ greeting: "Hi" }), knowledge: [], departments: [] };
const CALL = { id: "call-1", teamId: "team-a", fromNumber: "+14155550100" } as Call;

function setup(control: { redirect(twiml: string): Promise<void> } | null) {
  const written: string[] = [];
  const record = {
    event: (kind: string, name: string) => written.push(`${kind} ${name}`),
    error: (stage: string, kind: string) => written.push(`error ${stage} ${kind}`),
  } as unknown as CallRecord;
  const said: string[] = [];
  const closed: string[] = [];
  const finished: number[] = [];
  const outcome = new CallOutcomeTracker();
  const tools = new CallTools({
    db: null as never,
    outcome,
    record,
    facts: () => ({ agent: AGENT, call: CALL, isAfterHours: false, control }),
    handover: new LineHandover(100),
    player: { untilPlayed: async () => true, finishNow: (g: { id: number }) => finished.push(g.id) } as unknown as SpeechPlayer,
    say: (_generation, text) => said.push(text),
    close: (reason) => closed.push(reason),
  });
  return { tools, written, said, closed, finished, outcome };
}

describe("CallTools", () => {
  it("a reply's tools speak in that reply, end it, hang up, and report what they achieved to the call's outcome", async () => {
    const { tools, said, closed, finished, outcome, written } = setup(null);
    const generation = createGeneration(4, "reply", null);
    const ctx = tools.forReply(generation, "Let me note that.");
    expect(ctx).toMatchObject({ agent: AGENT, call: CALL, isAfterHours: false, spokenText: "Let me note that.", lineControl: null });
    ctx.say("Goodbye.");
    expect(await ctx.untilPlayed()).toBe(true);
    ctx.finishReply();
    ctx.setEndReason("agent_ended");
    ctx.noteMessageTaken();
    ctx.recordEvent("transfer", "started", {});
    ctx.close("agent_ended");
    expect(said).toEqual(["Goodbye."]);
    expect(finished).toEqual([4]);
    expect(closed).toEqual(["agent_ended"]);
    expect(outcome).toMatchObject({ endReason: "agent_ended", isMessageTaken: true });
    expect(written).toEqual(["transfer started"]);
  });

  it("a line that can be handed over gives transfer tools control of it; a completed transfer is the outcome", async () => {
    const redirected: string[] = [];
    const { tools, outcome } = setup({ redirect: async (twiml) => void redirected.push(twiml) });
    const ctx = tools.forReply(createGeneration(1, "reply", null), "");
    expect(ctx.lineControl).not.toBeNull();
    expect(await ctx.lineControl?.redirect("<Response><Dial>+15550100</Dial></Response>", "Billing")).toBe(true);
    ctx.lineControl?.noteTransferred("+15550100");
    expect(redirected).toHaveLength(1);
    expect(outcome.transferredTo).toBe("+15550100");
  });

  it("after the hang-up a tool can only write: it says nothing, waits for nothing and moves no line", async () => {
    const { tools, outcome, said, closed } = setup({ redirect: async () => {} });
    const ctx = hungUpToolContext(tools.facts);
    ctx.say("Are you still there?");
    expect(await ctx.untilPlayed()).toBe(false);
    ctx.setEndReason("other");
    ctx.close("other");
    ctx.noteMessageTaken();
    expect(ctx.lineControl).toBeNull();
    expect(said).toEqual([]);
    expect(closed).toEqual([]);
    expect(outcome).toMatchObject({ endReason: null, isMessageTaken: true });
  });
});
