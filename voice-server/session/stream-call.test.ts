import { describe, expect, it } from "vitest";
import type { Call } from "@/db/schema";
import type { TAgentSnapshot } from "@/lib/agents/config";
import type { TCallForStream } from "@/lib/calls/resolve-inbound-call";
import { callForStream } from "./stream-call";
import type { TStreamStart } from "./transport";

const CALL_ID = "0b5c3c1e-8d0f-4c52-9a57-3f1e2f6c7a10";
const TEAM_ID = "6f0d2b7e-1c4a-4f8e-b1a2-9d3c5e7f1a20";

function loaded(twilioCallSid: string | null, phoneNumberAccountSid: string | null): TCallForStream {
  return { call: { id: CALL_ID, teamId: TEAM_ID, twilioCallSid } as Call, snapshot: {} as TAgentSnapshot, phoneNumberAccountSid };
}

function start(overrides: Partial<TStreamStart> = {}): TStreamStart {
  return { callId: CALL_ID, teamId: TEAM_ID, callSid: "CA1", streamSid: "MZ1", accountSid: "AC1", parameters: {}, ...overrides };
}

describe("callForStream", () => {
  it("loads the call the stream names, scoped to its team", async () => {
    const asked: unknown[] = [];
    const found = await callForStream(start(), async (input) => (asked.push(input), loaded("CA1", "AC1")));
    expect(found?.call.id).toBe(CALL_ID);
    expect(asked).toEqual([{ callId: CALL_ID, teamId: TEAM_ID }]);
  });

  it("never asks the database about ids that are not UUIDs", async () => {
    let asked = 0;
    const load = async () => (asked++, loaded("CA1", "AC1"));
    expect(await callForStream(start({ callId: "1 or 1=1" }), load)).toBeNull();
    expect(await callForStream(start({ teamId: "team" }), load)).toBeNull();
    expect(asked).toBe(0);
  });

  it("refuses a stream for another call or from an account that does not own the number", async () => {
    expect(await callForStream(start({ callSid: "CA2" }), async () => loaded("CA1", "AC1"))).toBeNull();
    expect(await callForStream(start({ accountSid: "AC2" }), async () => loaded("CA1", "AC1"))).toBeNull();
    expect(await callForStream(start(), async () => null)).toBeNull();
  });

  it("takes a call the transport preloaded (a browser test call has no carrier ids)", async () => {
    const preloaded = loaded(null, null);
    const found = await callForStream(start({ callSid: null, accountSid: null, preloaded }), async () => {
      throw new Error("not loaded again");
    });
    expect(found).toBe(preloaded);
  });
});
