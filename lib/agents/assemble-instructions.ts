import type { TAgentSnapshot, TCallerContext, TKnowledgeItem } from "@/lib/agents/config";
import { WEEK_ORDER, dayName, describeDay, isValidTimeZone, isWithinBusinessHours } from "./business-hours";

// Knowledge is the part of the prompt that grows without bound (pasted documents); everything else is small.
export const KNOWLEDGE_BUDGET_CHARS = 30_000;

// Lines the offline engine reads back out of the assembled instructions, so the live state it sees is the same
// one a cloud model is told about.
export const CALLER_NUMBER_LABEL = "Caller phone number:";
export const OPEN_NOW_LABEL = "Open right now:";

// ---- Knowledge ------------------------------------------------------------------------------------------

// Cuts at the last paragraph or sentence end before `max`, so a trimmed document never ends mid-sentence.
function trimAtBoundary(text: string, max: number): string {
  if (text.length <= max) return text;
  const slice = text.slice(0, max);
  const para = slice.lastIndexOf("\n\n");
  if (para > max * 0.6) return slice.slice(0, para).trimEnd();
  const sentence = Math.max(
    slice.lastIndexOf(". "),
    slice.lastIndexOf("! "),
    slice.lastIndexOf("? "),
    slice.lastIndexOf(".\n"),
  );
  if (sentence > max * 0.5) return slice.slice(0, sentence + 1).trimEnd();
  const space = slice.lastIndexOf(" ");
  return (space > max * 0.5 ? slice.slice(0, space) : slice).trimEnd();
}

type TKnowledgeBlock = { text: string; notes: string[] };

function assembleKnowledge(items: TKnowledgeItem[], budget: number): TKnowledgeBlock {
  const notes: string[] = [];
  const qa = items.filter((k) => k.kind === "qa");
  const docs = items.filter((k) => k.kind === "document");

  // Q&A entries are short and written to be said, so they are kept whole and first; documents share the rest.
  const qaTexts: string[] = [];
  let used = 0;
  let droppedQa = 0;
  for (const item of qa) {
    const text = `Q: ${item.title.trim()}\nA: ${item.content.trim()}`;
    if (used + text.length > budget) {
      droppedQa++;
      continue;
    }
    qaTexts.push(text);
    used += text.length + 2;
  }
  if (droppedQa > 0)
    notes.push(`${droppedQa} question-and-answer entries were left out because the knowledge is too long.`);

  // Water-filling: short documents keep everything, long ones split what remains equally.
  const remaining = Math.max(0, budget - used);
  const allowance = new Map<string, number>();
  const byLength = docs
    .map((d, index) => ({ d, index, len: d.content.trim().length }))
    .sort((a, b) => a.len - b.len || a.index - b.index);
  let left = remaining;
  byLength.forEach((entry, i) => {
    const share = Math.floor(left / (byLength.length - i));
    const give = Math.min(entry.len, share);
    allowance.set(entry.d.id + "\u0000" + entry.index, give);
    left -= give;
  });

  const docTexts: string[] = [];
  docs.forEach((d, index) => {
    const full = d.content.trim();
    const max = allowance.get(d.id + "\u0000" + index) ?? 0;
    const title = d.title.trim() || "Untitled document";
    if (max < 200 && full.length > max) {
      notes.push(`The document "${title}" was left out because the knowledge is too long.`);
      return;
    }
    const kept = trimAtBoundary(full, max);
    if (kept.length < full.length) {
      notes.push(`The document "${title}" was trimmed: ${kept.length} of ${full.length} characters are included.`);
      docTexts.push(`Document: ${title}\n${kept}\n[The rest of this document was trimmed.]`);
    } else {
      docTexts.push(`Document: ${title}\n${kept}`);
    }
  });

  const parts: string[] = [];
  if (qaTexts.length > 0) parts.push(`Questions and answers:\n\n${qaTexts.join("\n\n")}`);
  if (docTexts.length > 0) parts.push(`Documents:\n\n${docTexts.join("\n\n")}`);
  return { text: parts.join("\n\n"), notes };
}

// ---- Assembly -------------------------------------------------------------------------------------------

// Built once per zone: a live call assembles its instructions on every turn, and building a formatter costs
// about a millisecond.
const nowFormatters = new Map<string, Intl.DateTimeFormat>();

function formatLocalNow(tz: string, now: Date): string {
  let fmt = nowFormatters.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      weekday: "long",
      year: "numeric",
      month: "long",
      day: "numeric",
      hour: "numeric",
      minute: "2-digit",
      hour12: true,
    });
    if (nowFormatters.size < 1000) nowFormatters.set(tz, fmt);
  }
  return fmt.format(now);
}

// What the agent may know and say about a returning caller. Only the first name and the fact of an open request
// ever reach the model (lib/callers/caller-context.ts explains why).
function returningCallerSection(caller: TCallerContext): string {
  const lines = ["# Returning caller"];
  if (caller.firstName) lines.push(`The name on file for this phone number is ${caller.firstName}. You greeted them by it; you may use it.`);
  if (caller.openRequestAt) lines.push("They have an earlier request that is still waiting for a callback. You may say so.");
  lines.push(
    "Caller ID can be faked, so you do not know who this really is. You have no details of earlier calls or messages: never guess or invent them. If the caller asks about an earlier request, say the team will call them back on the number on file, and offer to take a new message.",
  );
  return lines.join("\n");
}

export type TInstructionContext = { now: Date; callerNumber?: string; isAfterHours?: boolean };

export function assembleInstructions(snapshot: TAgentSnapshot, context: TInstructionContext): string {
  const { config } = snapshot;
  const hours = config.businessHours;
  const agentName = snapshot.agentName.trim() || "the assistant";
  const teamName = snapshot.teamName.trim() || "the business";
  const sections: string[] = [];

  sections.push(
    [
      "# Who you are",
      `You are ${agentName}, the phone assistant for ${teamName}. You are talking with a caller on a live phone call.`,
      `Speak in the language ${config.language}.`,
      `The call has already started with this greeting, so do not greet again: "${config.greeting.trim()}"`,
      config.disclosure.trim() ? `The caller has also been told: "${config.disclosure.trim()}"` : "",
    ]
      .filter(Boolean)
      .join("\n"),
  );

  sections.push(
    ["# Instructions from the business", config.systemPrompt.trim() || "The business gave no extra instructions."].join(
      "\n",
    ),
  );

  sections.push(
    [
      "# How to speak on the phone",
      "- Everything you write is spoken aloud by a text-to-speech voice.",
      "- Keep replies short: one to three short sentences, in plain spoken language.",
      "- Never use markdown, bullet points, numbered lists, headings, tables, links, or emoji.",
      '- Say numbers the way a person would: "nine A M", "five thirty", "twenty dollars". Read phone numbers digit by digit in small groups.',
      "- Ask only one question at a time, then wait for the answer.",
      "- Only state facts that appear in these instructions or in the knowledge below. Never invent prices, hours, policies, names, or availability.",
      "- If you don't know the answer, say so plainly and offer to take a message or to transfer the caller.",
      "- If you didn't understand the caller, ask them to repeat.",
    ].join("\n"),
  );

  // The current local time is needed both for "are you open now" and for relative days like "tomorrow".
  const tzIsValid = isValidTimeZone(hours.timeZone);
  const tz = tzIsValid ? hours.timeZone : "UTC";
  const callLines = ["# This call", `Current local time: ${formatLocalNow(tz, context.now)} (${tz}).`];
  const callerNumber = context.callerNumber?.trim();
  if (callerNumber) {
    callLines.push(`${CALLER_NUMBER_LABEL} ${callerNumber}`);
    callLines.push("You may offer to use this number as the callback number.");
  } else {
    callLines.push("The caller's phone number is not known.");
  }
  sections.push(callLines.join("\n"));
  if (snapshot.caller) sections.push(returningCallerSection(snapshot.caller));

  const hourLines = ["# Business hours"];
  let isOpen: boolean | undefined;
  if (context.isAfterHours !== undefined) isOpen = !context.isAfterHours;
  else if (hours.isEnabled && tzIsValid) isOpen = isWithinBusinessHours(hours, context.now);
  if (!hours.isEnabled) {
    hourLines.push(
      "No business hours are set. Do not tell the caller any opening hours unless the knowledge below has them.",
    );
  } else {
    if (!tzIsValid)
      hourLines.push(`The configured time zone "${hours.timeZone}" is not valid; times below are shown as configured.`);
    hourLines.push(`Hours are in the ${tz} time zone.`);
    for (const day of WEEK_ORDER) {
      const text = describeDay(hours, day);
      hourLines.push(`- ${dayName(day)}: ${text || "closed"}`);
    }
  }
  if (isOpen !== undefined) {
    hourLines.push(`${OPEN_NOW_LABEL} ${isOpen ? "yes" : "no"}`);
    if (!isOpen) {
      hourLines.push(`The business is closed right now. Tell the caller: "${hours.afterHoursMessage.trim()}"`);
      hourLines.push(
        hours.afterHours === "take_message"
          ? "Do not transfer the call while closed. Offer to take a message instead."
          : "Do not transfer the call or take a message while closed. Tell the caller when you are open, say goodbye, and end the call.",
      );
    }
  }
  sections.push(hourLines.join("\n"));

  const departments = snapshot.departments.filter((d) => d.name.trim() !== "");
  if (departments.length > 0) {
    sections.push(
      [
        "# Departments you can transfer to",
        ...departments.map(
          (d) => `- ${d.name.trim()}: ${d.whenToTransfer.trim() || "when the caller asks for them by name"}`,
        ),
        "Transfer only to these departments, using the exact name. If the caller wants a person and it is unclear which department, ask.",
      ].join("\n"),
    );
  } else {
    sections.push(
      "# Departments\nThere is nobody to transfer calls to. If the caller wants a person, offer to take a message.",
    );
  }

  if (config.captureFields.length > 0) {
    sections.push(
      [
        "# Details to collect from the caller",
        "Ask for these naturally during the conversation, one at a time, when it fits. Don't insist if the caller doesn't want to say.",
        ...config.captureFields.map(
          (f) => `- ${f.label.trim()} (${f.key})${f.description.trim() ? `: ${f.description.trim()}` : ""}`,
        ),
        "When you take a message, put what you collected into the take_message details.",
      ].join("\n"),
    );
  }

  const toolLines = [
    "# Tools",
    departments.length > 0
      ? '- transfer_call: when the caller wants a person or a department from the list above. Say a short handoff line first, such as "Let me transfer you to Sales." Only use listed departments.'
      : "",
    "- take_message: when nobody is available, the business is closed, or the caller wants to leave a message. First collect their name, a callback number, and the message, one question at a time. Read the number back to confirm it.",
    "- end_call: only after you have said goodbye and the caller has nothing else.",
    "- lookup_caller_history: when the caller mentions an earlier call or context about a returning caller would help.",
    "If a tool reports an error, tell the caller briefly and offer another option, such as taking a message.",
  ];
  sections.push(toolLines.filter(Boolean).join("\n"));

  if (snapshot.knowledge.length > 0) {
    const { text, notes } = assembleKnowledge(snapshot.knowledge, KNOWLEDGE_BUDGET_CHARS);
    sections.push(
      [
        "# Knowledge",
        "Answer only from this knowledge. Say answers in your own short spoken words.",
        ...notes.map((n) => `Note: ${n}`),
        "",
        text,
      ].join("\n"),
    );
  } else {
    sections.push(
      "# Knowledge\nNo knowledge has been added. For any factual question, say you don't know and offer to take a message.",
    );
  }

  return sections.join("\n\n");
}
