import type { Call } from "@/db/schema";
import { assembleInstructions } from "@/lib/agents/assemble-instructions";
import type { TAgentSnapshot } from "@/lib/agents/config";
import type { TCallControl } from "./session-services";
import type { TStreamStart } from "./transport";

// What is known about the call once its stream starts, and fixed from then on: its row, the agent snapshot it
// runs, whether it came in after hours, and whether its line can be handed over. The model's instructions and
// the offers the agent may make follow from these.

export class CallFacts {
  readonly isAfterHours: boolean;
  // A test-suite call (parameters.hours "open") runs as if within business hours, so a suite's result does not
  // depend on the time of day it is run at.
  readonly isOpenForTest: boolean;

  constructor(
    readonly call: Call,
    readonly agent: TAgentSnapshot,
    start: Pick<TStreamStart, "parameters">,
    // Null: the line cannot be handed over (a browser or test call).
    readonly control: TCallControl | null,
  ) {
    this.isAfterHours = start.parameters.afterHours === "1";
    this.isOpenForTest = start.parameters.hours === "open" && !this.isAfterHours;
  }

  // The model's instructions at `now` (business hours are judged then unless the call says otherwise).
  instructions(now: Date): string {
    return assembleInstructions(this.agent, {
      now,
      callerNumber: this.call.fromNumber || undefined,
      isAfterHours: this.isAfterHours ? true : this.isOpenForTest ? false : undefined,
    });
  }

  // A department could take the call now (a line that can be handed over, within hours).
  get canTransfer(): boolean {
    return this.control !== null && !this.isAfterHours;
  }

  // ... and one is set up: the offer after speech the agent cannot make out may name a person.
  get canOfferTransfer(): boolean {
    return this.canTransfer && this.agent.departments.some((d) => d.name.trim() && d.phoneNumber.trim());
  }
}
