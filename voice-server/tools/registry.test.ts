import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ZAgentSnapshot, type TAgentSnapshot } from "@/lib/agents/config";
import { endCall } from "./end-call";
import { normalizePhoneNumber } from "./phone-number";
import { acknowledgementFor, DEFAULT_ACKNOWLEDGEMENT, toolSpecsFor, validateToolCall, type TValidToolCall } from "./registry";
import { transferCall } from "./transfer-call";
import { defineTool, type TTool, type TToolContext } from "./types";

function snapshot(departments: TAgentSnapshot["departments"], captureFields: unknown[] = []): TAgentSnapshot {
  return ZAgentSnapshot.parse({
    agentName: "Ava",
    teamName: "Acme",
    config: { greeting: "Hello", captureFields },
    knowledge: [],
    departments,
  });
}

const withDepartments = snapshot([
  { id: "d1", name: "Sales", phoneNumber: "+15550000001", whenToTransfer: "New customers" },
  {
    id: "d2",
    name: "Customer Support",
    phoneNumber: "+15550000002",
    whenToTransfer: "Existing customers with a problem",
  },
]);

function call(name: string, args: unknown) {
  return { id: "c1", name, args: args as Record<string, unknown> };
}

describe("toolSpecsFor", () => {
  it("offers transfer_call with the agent's departments as an enum", () => {
    const specs = toolSpecsFor(withDepartments);
    expect(specs.map((s) => s.name)).toEqual(["transfer_call", "end_call", "take_message", "lookup_caller_history"]);
    const transfer = specs.find((s) => s.name === "transfer_call");
    expect(transfer?.parameters).toMatchObject({
      type: "object",
      properties: { department: { type: "string", enum: ["Sales", "Customer Support"] } },
      required: ["department"],
    });
  });

  it("omits transfer_call when there is nobody to transfer to", () => {
    expect(toolSpecsFor(snapshot([])).map((s) => s.name)).toEqual([
      "end_call",
      "take_message",
      "lookup_caller_history",
    ]);
  });

  it("gives take_message a details object for the agent's capture fields", () => {
    const s = snapshot([], [{ key: "email", label: "Email", description: "Where to send the quote" }]);
    const take = toolSpecsFor(s).find((spec) => spec.name === "take_message");
    expect(take?.parameters).toMatchObject({
      required: ["name", "callback_number", "message"],
      properties: {
        details: { type: "object", properties: { email: { type: "string", description: "Where to send the quote" } } },
      },
    });
  });

  it("never declares an object without properties (Gemini rejects those)", () => {
    for (const spec of toolSpecsFor(withDepartments)) {
      const properties = spec.parameters.properties as Record<string, unknown>;
      expect(spec.parameters.type).toBe("object");
      expect(Object.keys(properties).length).toBeGreaterThan(0);
    }
  });
});

describe("validateToolCall", () => {
  it("accepts a known department, case-insensitively, and returns it", () => {
    const result = validateToolCall(call("transfer_call", { department: "customer support" }), withDepartments);
    expect(result).toMatchObject({ ok: true, call: { tool: { name: "transfer_call" }, args: { department: "Customer Support" } } });
  });

  it("rejects an unknown department with the list of valid ones", () => {
    const result = validateToolCall(call("transfer_call", { department: "Billing" }), withDepartments);
    expect(result).toEqual({
      ok: false,
      error:
        'Invalid arguments for transfer_call: there is no department "Billing". Use one of: Sales, Customer Support.',
    });
  });

  it("rejects transfer_call when the agent has no departments", () => {
    const result = validateToolCall(call("transfer_call", { department: "Sales" }), snapshot([]));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/no departments/);
  });

  it("normalises the callback number", () => {
    const result = validateToolCall(
      call("take_message", { name: " Jane ", callback_number: "(555) 123-4567", message: "Call me about my order" }),
      withDepartments,
    );
    expect(result).toMatchObject({ ok: true, call: { tool: { name: "take_message" } } });
    expect(result.ok && result.call.args).toEqual({ name: "Jane", callback_number: "5551234567", message: "Call me about my order" });
  });

  it("explains a bad callback number so the model can ask again", () => {
    const result = validateToolCall(
      call("take_message", { name: "Jane", callback_number: "tomorrow", message: "Hi" }),
      withDepartments,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(
      /callback_number" must be a phone number of 7 to 15 digits.*Got "tomorrow"/,
    );
  });

  it("names every missing field", () => {
    const result = validateToolCall(call("take_message", {}), withDepartments);
    expect(result.ok).toBe(false);
    const error = result.ok ? "" : result.error;
    expect(error).toMatch(/^Invalid arguments for take_message:/);
    expect(error).toMatch(/"name"/);
    expect(error).toMatch(/"callback_number"/);
    expect(error).toMatch(/"message"/);
  });

  it("keeps only details for the agent's capture fields", () => {
    const s = snapshot([], [{ key: "email", label: "Email", description: "" }]);
    const result = validateToolCall(
      call("take_message", {
        name: "Jane",
        callback_number: "+44 20 7946 0958",
        message: "Hi",
        details: { email: "j@x.io", ssn: "123" },
      }),
      s,
    );
    expect(result).toMatchObject({
      ok: true,
      call: { args: { callback_number: "+442079460958", details: { email: "j@x.io" } } },
    });
    expect(result.ok && (result.call.args as { details?: unknown }).details).toEqual({ email: "j@x.io" });
  });

  it("turns garbage from a model into errors instead of exceptions", () => {
    const inputs: unknown[] = [null, "department=Sales", 42, [], { department: 7 }, { department: "" }];
    for (const args of inputs) {
      const result = validateToolCall(call("transfer_call", args), withDepartments);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.length).toBeGreaterThan(10);
    }
    expect(validateToolCall(call("end_call", { reason: 5 }), withDepartments).ok).toBe(false);
  });

  it("accepts end_call and lookup_caller_history without arguments", () => {
    expect(validateToolCall(call("end_call", {}), withDepartments)).toMatchObject({ ok: true, call: { tool: { name: "end_call" }, args: {} } });
    expect(validateToolCall(call("lookup_caller_history", {}), withDepartments)).toMatchObject({
      ok: true,
      call: { tool: { name: "lookup_caller_history" }, args: {} },
    });
  });

  it("rejects an unknown tool and lists the real ones", () => {
    const result = validateToolCall(call("book_table", {}), snapshot([]));
    expect(result).toEqual({
      ok: false,
      error: 'Unknown tool "book_table". Available tools: end_call, take_message, lookup_caller_history.',
    });
  });
});

describe("normalizePhoneNumber", () => {
  it("keeps digits and a leading plus", () => {
    expect(normalizePhoneNumber("+1 (555) 123-4567")).toBe("+15551234567");
    expect(normalizePhoneNumber("555.123.4567")).toBe("5551234567");
    expect(normalizePhoneNumber("12345")).toBeNull();
    expect(normalizePhoneNumber("555-CALL-NOW")).toBeNull();
  });
});

// A fake of what the call session gives a tool: records what the tool did to the call.
function fakeContext(agent: TAgentSnapshot, overrides: Partial<TToolContext> = {}) {
  const done: string[] = [];
  const ctx: TToolContext = {
    db: null as never,
    agent,
    call: { id: "call-1", teamId: "team-1", agentId: "agent-1", fromNumber: "+15551230000", toNumber: "+15550009999" } as never,
    isAfterHours: false,
    spokenText: "",
    say: (text) => done.push(`say ${text}`),
    untilPlayed: async () => {
      done.push("wait");
      return true;
    },
    finishReply: () => done.push("finish"),
    setEndReason: (reason) => done.push(`end reason ${reason}`),
    close: (reason) => done.push(`close ${reason}`),
    noteMessageTaken: () => done.push("message taken"),
    recordError: (stage, kind) => done.push(`error ${stage} ${kind}`),
    recordEvent: (kind, name) => done.push(`event ${kind} ${name}`),
    lineControl: null,
    ...overrides,
  };
  return { ctx, done };
}

describe("tools", () => {
  it("end_call says goodbye when the model did not, then closes the line once it has played", async () => {
    const { ctx, done } = fakeContext(withDepartments);
    const outcome = await endCall.execute({}, ctx);
    expect(outcome.result).toEqual({ ok: true });
    expect(done).toEqual(["say Thank you for calling. Goodbye.", "end reason agent_end_call"]);
    expect(await outcome.after?.()).toBe("stop");
    expect(done.slice(2)).toEqual(["wait", "finish", "close agent_end_call"]);
  });

  it("end_call keeps the line open when the caller talks over the goodbye", async () => {
    const { ctx, done } = fakeContext(withDepartments, { spokenText: "Bye now.", untilPlayed: async () => false });
    const outcome = await endCall.execute({}, ctx);
    expect(await outcome.after?.()).toBe("stop");
    expect(done).toEqual(["end reason agent_end_call"]);
  });

  it("transfer_call on a line that cannot transfer tells the model to offer a message", async () => {
    const { ctx, done } = fakeContext(withDepartments);
    const outcome = await transferCall.execute({ department: "Sales" }, ctx);
    expect(outcome.result).toEqual({ ok: false, error: "Transfers are not available on this line. Offer to take a message instead." });
    expect(outcome.after).toBeUndefined();
    expect(done).toEqual([]);
  });
});

describe("acknowledgementFor", () => {
  const valid = (name: string, args: unknown): TValidToolCall => {
    const result = validateToolCall(call(name, args), withDepartments);
    if (!result.ok) throw new Error(result.error);
    return result.call;
  };
  const line = { redirect: async () => true, noteTransferred: () => {}, untilStreamStops: async () => {} };

  it("gives each tool that leaves the caller waiting a short line, and none to end_call (its goodbye is its line)", () => {
    const { ctx } = fakeContext(withDepartments);
    expect(acknowledgementFor(valid("take_message", { name: "Jo", callback_number: "5551234567", message: "Hi" }), ctx)).toBe(
      "Let me make a note of that.",
    );
    expect(acknowledgementFor(valid("lookup_caller_history", {}), ctx)).toBe("Let me look that up.");
    expect(acknowledgementFor(valid("end_call", {}), ctx)).toBeNull();
  });

  it("says the handoff line for a transfer under the department's own spelling, only on a line that can transfer", () => {
    const transfer = valid("transfer_call", { department: "customer support" });
    expect(acknowledgementFor(transfer, fakeContext(withDepartments, { lineControl: line }).ctx)).toBe("Let me transfer you to Customer Support.");
    expect(acknowledgementFor(transfer, fakeContext(withDepartments).ctx)).toBeNull();
  });

  it("gives a tool that declares nothing the default line, so a new tool is never silent", () => {
    const bookTable = defineTool({ name: "book_table", description: "Books a table.", parameters: () => z.object({}), execute: async () => ({ result: { ok: true } }) });
    expect(acknowledgementFor({ tool: bookTable as unknown as TTool, args: {} }, fakeContext(withDepartments).ctx)).toBe(DEFAULT_ACKNOWLEDGEMENT);
    const quiet = defineTool({ ...bookTable, acknowledgement: () => "  " });
    expect(acknowledgementFor({ tool: quiet as unknown as TTool, args: {} }, fakeContext(withDepartments).ctx)).toBeNull();
  });
});
