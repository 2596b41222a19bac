import { describe, expect, it } from "vitest";
import type { Call } from "@/db/schema";
import { OPEN_NOW_LABEL } from "@/lib/agents/assemble-instructions";
import { ZAgentConfig, type TAgentSnapshot } from "@/lib/agents/config";
import { CallFacts } from "./call-facts";

const BILLING = { id: "d1", name: "Billing", phoneNumber: "+15550100", whenToTransfer: "invoices" };
const agent = (departments: TAgentSnapshot["departments"] = []): TAgentSnapshot => ({
  agentName: "Ava",
  teamName: "Acme",
  config: ZAgentConfig.parse({ greeting: "Hi" }),
  knowledge: [],
  departments,
});
const CALL = { id: "call-1", teamId: "team-a", fromNumber: "+14155550100" } as Call;
const LINE = { redirect: async () => {} };
const NOW = new Date("2024-03-12T15:00:00Z");

describe("CallFacts", () => {
  it("a call that came in after hours says so to the model, and offers no transfer even with a department", () => {
    const facts = new CallFacts(CALL, agent([BILLING]), { parameters: { afterHours: "1", hours: "open" } }, LINE);
    expect(facts.isAfterHours).toBe(true);
    expect(facts.isOpenForTest).toBe(false);
    expect(facts.instructions(NOW)).toContain(`${OPEN_NOW_LABEL} no`);
    expect(facts.canTransfer).toBe(false);
    expect(facts.canOfferTransfer).toBe(false);
  });

  it("a test-suite call runs as if open whatever the time, and the caller's number is in the instructions", () => {
    const facts = new CallFacts(CALL, agent(), { parameters: { hours: "open" } }, null);
    expect(facts.isOpenForTest).toBe(true);
    const instructions = facts.instructions(NOW);
    expect(instructions).toContain(`${OPEN_NOW_LABEL} yes`);
    expect(instructions).toContain("+14155550100");
  });

  it("a line can be handed over only with call control, and a person is offered only when a department is set up", () => {
    expect(new CallFacts(CALL, agent([BILLING]), { parameters: {} }, null).canTransfer).toBe(false);
    const noDepartment = new CallFacts(CALL, agent([{ ...BILLING, phoneNumber: " " }]), { parameters: {} }, LINE);
    expect(noDepartment.canTransfer).toBe(true);
    expect(noDepartment.canOfferTransfer).toBe(false);
    expect(new CallFacts(CALL, agent([BILLING]), { parameters: {} }, LINE).canOfferTransfer).toBe(true);
  });
});
