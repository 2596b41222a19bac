import { describe, expect, it } from "vitest";
import { ZAgentSnapshot } from "@/lib/agents/config";
import { findTemplate } from "@/lib/agents/templates";
import { Call, OPEN_NOW } from "@/voice-server/providers/llm/offline-test-kit";

// The Receptionist template as a new user creates it in the UI (its example knowledge, departments and 9-5
// weekday hours), asked what callers ask in their own words. Each line here went wrong in a call made through the
// product: an entry "What is your email address?" answered "what's your address", an About page's "open Monday to
// Friday" answered "what time do you close today", and "is the manager in" was not heard as asking for a person.
function fromTemplate(key: string) {
  const content = findTemplate(key)!.build({ teamName: "Smile Clinic", timeZone: "America/New_York" });
  return ZAgentSnapshot.parse({
    agentName: "Front desk",
    teamName: "Smile Clinic",
    config: content.config,
    knowledge: content.knowledge.map((k, i) => ({ id: `k${i}`, ...k })),
    departments: content.departments.map((d, i) => ({ id: `d${i}`, ...d })),
  });
}
const agent = fromTemplate("receptionist");
const locationId = agent.knowledge.find((k) => /located/i.test(k.title))!.id;
const emailId = agent.knowledge.find((k) => /email/i.test(k.title))!.id;

async function firstReply(line: string) {
  return new Call(agent, { now: OPEN_NOW }).say(line);
}

describe("offline agent on the Receptionist template", () => {
  it("a street address asked for in any words is the location, and an email address the email", async () => {
    const lines = ["what's your address", "whereabouts are you", "whereabouts are you based", "what is the address there"];
    // Getting there by public transport is answered with where the business is.
    for (const line of [...lines, "is there a bus stop nearby", "is there a train station close by", "can i take the subway"]) {
      expect((await firstReply(line)).knowledgeIds, line).toEqual([locationId]);
    }
    for (const line of ["what's your email address", "can i get your email", "how do i email you"]) {
      expect((await firstReply(line)).knowledgeIds, line).toEqual([emailId]);
    }
  });

  it("today's closing time comes from the configured hours, not from an About page without times", async () => {
    // OPEN_NOW is a Tuesday, 11:00 in New York.
    for (const line of ["what time do you close today", "how late are you open today", "when do you guys close"]) {
      const turn = await firstReply(line);
      expect(turn.text, line).toMatch(/5 PM/);
      expect(turn.knowledgeIds ?? [], line).toEqual([]);
    }
    expect((await firstReply("are you open on saturday")).text).toMatch(/closed on Saturday/);
  });

  it("'is the manager in' asks for a person: the agent offers to connect, it does not say it has no information", async () => {
    for (const line of ["is the manager in", "is the owner around today", "is your supervisor available"]) {
      const turn = await firstReply(line);
      expect(turn.text, line).not.toMatch(/don't have that information/);
      expect(turn.text, line).toMatch(/connect you|transfer|put you through/i);
    }
  });

  it("being charged twice is for Accounts (a payment), not Sales (a price); 'can you hear me' is answered", async () => {
    for (const line of ["i was double charged last month", "you overcharged me", "i think you charged me twice"]) {
      expect((await firstReply(line)).text, line).toMatch(/Accounts/);
    }
    for (const line of ["can you hear me", "hello are you there", "hello, is anyone there?"]) {
      expect((await firstReply(line)).text, line).toMatch(/^Yes, I can hear you/);
    }
  });
});

describe("offline agent on the Appointment booking template", () => {
  const booking = fromTemplate("appointments");
  async function call(lines: string[]) {
    const c = new Call(booking, { now: OPEN_NOW });
    const turns = [];
    for (const line of lines) turns.push(await c.say(line));
    return turns;
  }

  it("a request that names the service and the time is not asked for them again, and they are stored", async () => {
    const turns = await call(["hi i'd like to book a haircut for friday afternoon", "jane doe", "two one two five five five zero one four four"]);
    const asked = turns.map((t) => t.text).join(" ");
    expect(asked).not.toMatch(/your service|preferred time/);
    expect(turns.at(-1)!.toolCall?.args).toMatchObject({
      name: "Jane Doe",
      callback_number: "2125550144",
      details: { service: "haircut", preferred_time: "friday afternoon" },
    });
  });

  it("a time given when the service was asked goes to the time; 'that's it, thanks' is no value", async () => {
    const turns = await call(["can i make an appointment", "jane doe", "212 555 0144", "friday after two if possible", "i'd like to come in for a color"]);
    expect(turns[0]!.text).toMatch(/Could I get your name/);
    expect(turns[3]!.text).toMatch(/^Got it\. .*service/);
    expect(turns.at(-1)!.toolCall?.args).toMatchObject({ details: { service: "color", preferred_time: "friday after two if possible" } });

    const skipped = await call(["i want to book something", "jane", "212 555 0144", "a trim", "that's it thanks"]);
    const details = (skipped.at(-1)!.toolCall?.args as { details: Record<string, string> }).details;
    expect(details.service).toBe("a trim");
    expect(details.preferred_time).toBeUndefined();
  });

  it("running late goes to the desk that handles it, not to the late-cancellation policy", async () => {
    for (const line of ["i'm running late", "i'm gonna be like 10 minutes late", "i will be ten minutes late for my appointment"]) {
      const [turn] = await call([line]);
      expect(turn!.text, line).toMatch(/^Front desk can help/);
    }
    const [policy] = await call(["what's your cancellation policy"]);
    expect(policy!.text).toMatch(/24 hours notice/);
  });
});

describe("offline agent on the Support triage template", () => {
  const support = fromTemplate("support_triage");
  const reply = (line: string) => new Call(support, { now: OPEN_NOW }).say(line);

  it("sign-in trouble, an outage and an error message go to Technical support, not Billing or a message", async () => {
    for (const line of ["i can't log in to my account", "is your site down right now", "the website isn't loading", "i'm getting an error message"]) {
      const turn = await reply(line);
      expect(turn.text, line).not.toMatch(/Billing|Could I get your name|don't have that information/);
      expect(turn.text, line).toMatch(/Technical support|refresh the page/);
    }
  });
});

describe("offline agent on a dental receptionist built in the UI", () => {
  const dental = ZAgentSnapshot.parse({
    agentName: "Ava",
    teamName: "Bright Smile Dental",
    config: { greeting: "Thanks for calling Bright Smile Dental, this is Ava. How can I help?" },
    knowledge: [{ id: "ins", kind: "qa", title: "Which insurance do you accept?", content: "We accept Delta Dental, Cigna and Aetna." }],
    departments: [
      { id: "desk", name: "Front desk", phoneNumber: "+15550000002", whenToTransfer: "Booking, moving or cancelling appointments" },
      { id: "oncall", name: "On-call dentist", phoneNumber: "+15550000003", whenToTransfer: "Dental emergencies: severe pain, swelling, bleeding, a knocked-out or broken tooth" },
    ],
  });
  const reply = (line: string) => new Call(dental, { now: OPEN_NOW }).say(line);

  it("asking whether a treatment is offered is no emergency; needing one is a visit for the desk", async () => {
    expect((await reply("do you do teeth whitening")).text).not.toMatch(/On-call/);
    for (const line of ["i think i need a filling", "my son needs a checkup", "i need a new crown"]) {
      expect((await reply(line)).text, line).toMatch(/^Front desk can help/);
    }
    for (const line of ["my tooth broke and it's bleeding", "my face is swollen", "can you see me today, my tooth is broken"]) {
      expect((await reply(line)).toolCall?.args, line).toEqual({ department: "On-call dentist" });
    }
  });
});
