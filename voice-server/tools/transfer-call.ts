import twilio from "twilio";
import { z } from "zod";
import type { TAgentSnapshot, TDepartment } from "@/lib/agents/config";
import { checkTransferDestination, loadTransferPolicy } from "@/lib/telephony/transfer-policy";
import { defineTool, toolErrorResult } from "./types";

export function departmentNames(agent: TAgentSnapshot): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const d of agent.departments) {
    const name = d.name.trim();
    if (name === "" || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    names.push(name);
  }
  return names;
}

export function findDepartment(agent: TAgentSnapshot, requested: string): TDepartment | undefined {
  const wanted = requested.trim().toLowerCase();
  return agent.departments.find((d) => d.name.trim().toLowerCase() === wanted && d.name.trim() !== "");
}

function parametersFor(agent: TAgentSnapshot) {
  const names = departmentNames(agent);
  return z.object({
    department: z
      .string({ error: 'Give "department" as a string.' })
      .trim()
      .min(1, 'Give the "department" to transfer to.')
      .meta({ enum: names, description: "Exact name of the department to transfer to." })
      // Case and spacing do not matter; the result is the department's own spelling.
      .transform((requested, ctx) => {
        const department = findDepartment(agent, requested);
        if (!department) {
          ctx.addIssue({ code: "custom", message: `there is no department "${requested}". Use one of: ${names.join(", ")}.` });
          return z.NEVER;
        }
        return department.name.trim();
      }),
  });
}

export const transferCall = defineTool({
  name: "transfer_call",
  description:
    'Transfer the caller to one of the business\'s departments. Say a short handoff line first, such as "Let me transfer you to Sales." After the transfer starts you are no longer on the call.',
  availability: (agent) =>
    departmentNames(agent).length > 0
      ? { ok: true }
      : { ok: false, error: "transfer_call is not available: this business has no departments. Offer to take a message instead." },
  parameters: parametersFor,
  // Said before the destination is checked and the carrier asked, both of which can take a while; a line that
  // cannot transfer gets the model's own words instead.
  acknowledgement: (args, ctx) => (ctx.lineControl ? `Let me transfer you to ${args.department}.` : null),
  async execute(args, ctx) {
    const department = findDepartment(ctx.agent, args.department);
    const line = ctx.lineControl;
    if (!department) return { result: toolErrorResult(`There is no department "${args.department}".`) };
    if (!line) return { result: toolErrorResult("Transfers are not available on this line. Offer to take a message instead.") };
    const name = department.name.trim();
    // Checked again here, not only when the department was saved: the number may predate the rules, or the
    // team's allowed countries may have changed since the version was published.
    const policy = await loadTransferPolicy(ctx.db, ctx.call.teamId);
    const destination = checkTransferDestination(department.phoneNumber, policy.countries);
    if (!destination.ok) {
      ctx.recordError("transfer", "refused", new Error(destination.message), { department: department.name, reason: destination.reason });
      return { result: toolErrorResult(`Calls cannot be transferred to ${name} right now. Apologize and offer to take a message instead.`) };
    }
    // The handoff line (the acknowledgement above, or the model's own words) has to be heard before the line goes.
    if (!ctx.spokenText) ctx.say(`Let me transfer you to ${name}.`);
    if (!(await ctx.untilPlayed())) {
      return { result: toolErrorResult("The caller interrupted before the transfer started."), after: async () => "stop" };
    }
    const response = new twilio.twiml.VoiceResponse();
    response.dial({ callerId: ctx.call.toNumber || undefined, answerOnBridge: true, timeout: 30 }).number(destination.e164);
    if (!(await line.redirect(response.toString(), department.name))) {
      return { result: toolErrorResult(`The transfer to ${name} failed. Apologize and offer to take a message.`) };
    }
    line.noteTransferred(destination.e164);
    ctx.setEndReason("transferred");
    return {
      result: { ok: true },
      async after() {
        ctx.recordEvent("transfer", name, { to: destination.e164 });
        ctx.finishReply();
        // Twilio ends the <Connect> (stop, then close) once the redirect takes over; do not hang up first.
        await line.untilStreamStops();
        ctx.close("transferred");
        return "stop";
      },
    };
  },
});
