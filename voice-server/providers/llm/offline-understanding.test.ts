import { describe, expect, it } from "vitest";
import { ZAgentSnapshot } from "@/lib/agents/config";
import { findTemplate } from "@/lib/agents/templates";
import { normalizeText, parseName, parseSpokenPhoneNumber, stem } from "@/voice-server/providers/llm/offline";
import { withoutPreamble } from "@/voice-server/providers/llm/offline/preamble";
import { parseCorrectedNumber } from "@/voice-server/providers/llm/offline/spoken-input";
import { CLOSED_NOW, Call, receptionist, routeOf } from "@/voice-server/providers/llm/offline-test-kit";

// General mechanisms of the offline engine's understanding, each tested by its behaviour with lines of its own
// (never lines of the held-out set in tests/fixtures/nlu/heldout-*.txt, which only measures).

describe("offline LLM: text as a recogniser or a typist writes it", () => {
  it("reads contractions without their apostrophe and chat spellings", () => {
    expect(normalizeText("wheres the clinic")).toBe("where is the clinic");
    expect(normalizeText("im not sure u got it")).toBe("i am not sure you got it");
    expect(normalizeText("dont think thats right")).toBe("do not think that is right");
    expect(normalizeText("wanna book an appt")).toBe("want to book an appointment");
    // Ordinary words that look like a contraction stay as they are.
    expect(normalizeText("we were well")).toBe("we were well");
  });

  it("answers a lower-case question with no apostrophes like the written one", async () => {
    const typed = await new Call(receptionist()).say("whats ur address");
    const written = await new Call(receptionist()).say("What's your address?");
    expect(typed.knowledgeIds).toEqual(["address"]);
    expect(typed.text).toBe(written.text);
  });

  it("folds irregular forms the suffix rules miss", () => {
    expect(stem("teeth")).toBe(stem("tooth"));
    expect(stem("paid")).toBe(stem("pay"));
    expect(stem("broken")).toBe(stem("break"));
    expect(stem("swollen")).toBe(stem("swell"));
    expect(stem("children")).toBe(stem("child"));
  });
});

describe("offline LLM: what comes before the question", () => {
  it("sets aside greetings, small talk, an introduction and the question's framing", () => {
    expect(withoutPreamble("Hello there, hope your week is going well. Do you take Aetna?")).toBe("do you take aetna");
    expect(withoutPreamble("hi this is tom reyes i was wondering if you take aetna")).toBe("you take aetna");
    expect(withoutPreamble("Sorry to bother you, I'm calling to check whether you're open Monday")).toBe(
      "you are open monday",
    );
  });

  it("keeps a line that is the question itself, and one that is only small talk", () => {
    expect(withoutPreamble("This is about my bill from March")).toBe("this is about my bill from march");
    expect(withoutPreamble("This is urgent, my crown came off")).toBe("this is urgent my crown came off");
    expect(withoutPreamble("Hi, how are you?")).toBe("hi how are you");
  });

  it("answers a question wrapped in small talk from the knowledge", async () => {
    const turn = await new Call(receptionist()).say(
      "Good morning! Hope you're having a lovely day. My name is Arjun Mehta and I was curious whether MetLife is something you accept.",
    );
    expect(turn.knowledgeIds).toEqual(["insurers"]);
  });
});

describe("offline LLM: hours asked as being there", () => {
  it("answers 'are you working on Sundays' and 'is anyone there in the evening' with the hours", async () => {
    for (const line of ["are you working on sundays", "Is anybody there in the evenings?", "Do you do evenings at all, like after work?", "do you guys do weekends"]) {
      const turn = await new Call(receptionist()).say(line);
      expect(turn.text, line).toMatch(/we're (open|closed)/i);
    }
  });
});

describe("offline LLM: days taken back", () => {
  it("answers for the day the caller settles on", async () => {
    const fixed = await new Call(receptionist()).say("are you open saturday, no sorry, friday");
    expect(fixed.text).toMatch(/On Friday we're open/);
    expect(fixed.text).not.toMatch(/Saturday/);
    const negated = await new Call(receptionist()).say("Not Monday but Sunday, are you open then?");
    expect(negated.text).toMatch(/closed on Sunday/);
    expect(negated.text).not.toMatch(/Monday/);
  });
});

describe("offline LLM: spoken names", () => {
  it("joins letters spelled one by one, and says a spelled name once", () => {
    expect(parseName("it's J O A N Harlow")).toBe("Joan Harlow");
    expect(parseName("Mateus, M-A-T-E-U-S")).toBe("Mateus");
    expect(parseName("this is Ines, that's I N E S")).toBe("Ines");
    // A name taken back is not the name.
    expect(parseName("it's Katrin not Katrina")).toBe("Katrin");
    expect(parseName("not Katrina, Katrin")).toBe("Katrin");
    // Two initials are not a spelled word.
    expect(parseName("my name is D J Cole")).toBe("D J Cole");
  });
});

describe("offline LLM: numbers corrected as callers correct them", () => {
  it("keeps the number said in place of one taken back", () => {
    expect(parseCorrectedNumber("it's 617 555 0123, not 617 555 0132")).toBe("6175550123");
    expect(parseCorrectedNumber("six one seven five five five zero one two three, no sorry, zero one three two")).toBe("6175550132");
    expect(parseCorrectedNumber("617 555 0123, I mean 0124")).toBe("6175550124");
    expect(parseCorrectedNumber("617 555 0123 sorry")).toBe("6175550123");
  });

  it("fixes the part of a read-back number the caller names", () => {
    expect(parseCorrectedNumber("no, the last four are 9876", "6175550123")).toBe("6175559876");
    expect(parseCorrectedNumber("the area code is 508", "6175550123")).toBe("5085550123");
    expect(parseCorrectedNumber("no, 0132", "6175550123")).toBe("6175550132");
    expect(parseCorrectedNumber("no, it's Joan", "6175550123")).toBeNull();
    expect(parseSpokenPhoneNumber("617 555 0123")).toBe("6175550123");
  });

  it("takes a name back in a call: 'no, not Katrina, Katrin Holm'", async () => {
    const call = new Call(receptionist());
    await call.say("Can I leave a message for the office?");
    expect((await call.say("Katrina Holm")).text).toContain("Katrina Holm");
    const fixed = await call.say("no, not Katrina, Katrin Holm");
    expect(fixed.text).toContain("Sorry about that, Katrin Holm.");
  });

  it("corrects the last four digits of a number it read back, in a call", async () => {
    const call = new Call(receptionist());
    await call.say("Could you take a message for Dr. Lee?");
    await call.say("Harriet Vance");
    const readBack = await call.say("six one seven, five five five, zero one two three");
    expect(readBack.text).toContain("6 1 7, 5 5 5, 0 1 2 3");
    const fixed = await call.say("No, sorry, the last four are 0 1 3 2");
    expect(fixed.text).toContain("Sorry about that");
    await call.say("Please ask whether my night guard is ready");
    const saved = call.messages.flatMap((m) => (m.role === "agent-tool-call" ? [m.call] : [])).at(-1);
    expect(saved?.name).toBe("take_message");
    expect(saved?.args.callback_number).toBe("6175550132");
  });
});

describe("offline LLM: emergencies at a home or a business", () => {
  const plumber = ZAgentSnapshot.parse({
    agentName: "Max",
    teamName: "Northside Plumbing",
    config: { greeting: "Northside Plumbing, how can I help?" },
    knowledge: [{ id: "fee", kind: "qa", title: "Call-out charge", content: "Our call-out charge is 75 dollars." }],
    departments: [
      { id: "office", name: "Office", phoneNumber: "+15550000101", whenToTransfer: "Booking visits and general questions" },
      { id: "urgent", name: "Emergency line", phoneNumber: "+15550000102", whenToTransfer: "Emergencies" },
    ],
  });

  for (const line of [
    "the washing machine hose split and the laundry room is flooded",
    "my hot water tank burst",
    "There's sewage coming up through the shower drain",
    "water is gushing out from under the sink and it's everywhere",
  ]) {
    it(`sends "${line}" to the emergency line`, async () => {
      expect(await routeOf(plumber, line)).toBe("Emergency line");
    });
  }

  it("does not take a routine job or a callback for an emergency", async () => {
    expect(await routeOf(plumber, "can somebody call me back about a quote")).not.toBe("Emergency line");
    expect(await routeOf(plumber, "I'd like to book someone to service my boiler")).toBe("Office");
  });
});

// A home-services business as an owner would fill it in: its own words for its jobs, an office that books visits.
const handyman = ZAgentSnapshot.parse({
  agentName: "Lee",
  teamName: "Fixit Home Services",
  config: { greeting: "Fixit Home Services, Lee speaking." },
  knowledge: [
    { id: "travel", kind: "qa", title: "Where do you work?", content: "We work across the county, within 20 miles of Riverton." },
    { id: "unblock", kind: "qa", title: "Unblocking a drain", content: "Unblocking a drain costs 120 dollars." },
    { id: "tap", kind: "qa", title: "Faucet repair", content: "Repairing a faucet costs 90 dollars including parts." },
    { id: "kids", kind: "qa", title: "Childproofing", content: "We fit safety gates and cupboard locks for families with children." },
    { id: "pay", kind: "qa", title: "How can I pay?", content: "We take cards and cash, and payment is due when the job is done." },
  ],
  departments: [
    { id: "office", name: "Office", phoneNumber: "+15550000201", whenToTransfer: "Booking, moving or cancelling a visit, and anything else" },
    { id: "accounts", name: "Accounts", phoneNumber: "+15550000202", whenToTransfer: "Invoices and refunds" },
  ],
});

describe("offline LLM: concepts a business writes one way and callers say another", () => {
  it("finds the entry for a child named as a son or a toddler", async () => {
    const turn = await new Call(handyman).say("We just had a baby boy, can you make the stairs safe for him?");
    expect(turn.knowledgeIds).toEqual(["kids"]);
  });

  it("finds the entry for a blocked drain said as clogged, and a faucet said as a tap", async () => {
    expect((await new Call(handyman).say("what do you charge when the shower is clogged")).knowledgeIds).toEqual(["unblock"]);
    expect((await new Call(handyman).say("How much to repair a tap?")).knowledgeIds).toEqual(["tap"]);
  });

  it("answers whether a business that comes to you works in a place", async () => {
    for (const line of ["Do you travel as far as Millbrook?", "does your team work in the suburbs"]) {
      expect((await new Call(handyman).say(line)).knowledgeIds, line).toEqual(["travel"]);
    }
  });

  it("sends a word the knowledge only reaches by a broad concept to the department that names it", async () => {
    expect(await routeOf(handyman, "It's about an invoice.")).toBe("Accounts");
    // The entry that holds the caller's own word still answers.
    expect((await new Call(handyman).say("can I pay with cash")).knowledgeIds).toEqual(["pay"]);
  });
});

describe("offline LLM: requests said without the word 'book'", () => {
  for (const line of [
    "Could a technician swing by Friday and check the boiler?",
    "I need a handyman to replace two door hinges",
    "can you get somebody over to look at my fence",
    "What's the earliest someone could come?",
  ]) {
    it(`takes "${line}" as a booking for the office`, async () => {
      expect(await routeOf(handyman, line)).toBe("Office");
    });
  }

  it("takes 'when can I get in' as a booking at a clinic", async () => {
    expect(await routeOf(receptionist(), "Hi, when could I get in to see someone about a cleaning")).toBe("Front desk");
  });
});

describe("offline LLM: two things in one line", () => {
  it("answers the question asked alongside a booking, then offers the booking", async () => {
    const turn = await new Call(receptionist()).say("Can I book a checkup for next week, and where exactly are you?");
    expect(turn.knowledgeIds).toEqual(["address"]);
    expect(turn.text).toMatch(/42 Maple Street.*Front desk can help with that/);
    const yes = await new Call(receptionist()).say("I want to schedule a visit, and also what's teeth whitening cost");
    expect(yes.knowledgeIds).toEqual(["whitening"]);
  });
});

describe("offline LLM: messages and directions said in passing", () => {
  it("takes 'let her know I called' as a message, not a transfer to whoever is named", async () => {
    const turn = await new Call(receptionist()).say("Could you let the dentist know I rang?");
    expect(turn.toolCall).toBeUndefined();
    expect(turn.text).toMatch(/your name/i);
  });

  it("answers 'how would I get there' with the address", async () => {
    expect((await new Call(receptionist()).say("how would I get there from the highway")).knowledgeIds).toEqual(["address"]);
  });
});

describe("offline LLM: never silence", () => {
  it("asks once more when nothing usable was heard, then offers a message or a transfer", async () => {
    const call = new Call(receptionist());
    expect((await call.say("")).text).toMatch(/didn't catch that/);
    const offer = await call.say("uh");
    expect(offer.text).toMatch(/trouble hearing you.*take a message.*transfer you/);
    expect(offer.toolCall).toBeUndefined();
    // The offer is a real question: a yes takes a message, and naming a department transfers.
    expect((await call.say("yes please")).text).toMatch(/your name/i);
    const other = new Call(receptionist());
    await other.say("um");
    await other.say("");
    expect((await other.say("the front desk")).toolCall).toMatchObject({ name: "transfer_call", args: { department: "Front desk" } });
  });

  it("starts counting again after a line it understood", async () => {
    const call = new Call(receptionist());
    await call.say("");
    expect((await call.say("where are you located")).knowledgeIds).toEqual(["address"]);
    expect((await call.say("hmm")).text).toMatch(/didn't catch that/);
  });

  it("offers only a message while closed", async () => {
    const call = new Call(receptionist(), { now: CLOSED_NOW });
    await call.say("");
    const offer = await call.say("");
    expect(offer.text).toMatch(/trouble hearing you.*take a message/);
    expect(offer.text).not.toMatch(/transfer/);
  });
});

describe("offline LLM: emergencies said in other words", () => {
  for (const line of ["my back tooth aches so badly", "I've got a tooth ache that won't stop", "my gums are really sore and puffy"]) {
    it(`puts "${line}" through to the on-call dentist`, async () => {
      const turn = await new Call(receptionist()).say(line);
      expect(turn.toolCall).toMatchObject({ name: "transfer_call", args: { department: "On-call dentist" } });
    });
  }

  it("does not offer the emergency line for a price question that only shares 'teeth' with it", async () => {
    // A misheard price question finds its entry instead.
    expect((await new Call(receptionist()).say("how much is teeth whitning")).knowledgeIds).toEqual(["whitening"]);
  });

  it("reaches an emergency line by the words its own description uses", async () => {
    const kennel = ZAgentSnapshot.parse({
      agentName: "Kim",
      teamName: "Pine Ridge Kennels",
      config: { greeting: "Pine Ridge Kennels, Kim speaking." },
      knowledge: [{ id: "rates", kind: "qa", title: "Boarding rates", content: "Boarding is 45 dollars a night." }],
      departments: [
        { id: "office", name: "Office", phoneNumber: "+15550000301", whenToTransfer: "Reservations and general questions" },
        { id: "vet", name: "Duty vet", phoneNumber: "+15550000302", whenToTransfer: "Emergencies: collapse, heatstroke, a dog fight, vomiting blood" },
      ],
    });
    expect(await routeOf(kennel, "our old dog collapsed in the yard")).toBe("Duty vet");
    expect(await routeOf(kennel, "I think he has heatstroke")).toBe("Duty vet");
    expect((await new Call(kennel).say("how much is boarding for a night")).knowledgeIds).toEqual(["rates"]);
  });

  it("joins a word heard as two, only where the joined word is one the engine acts on", () => {
    expect(normalizeText("a tooth ache")).toBe("a toothache");
    expect(normalizeText("time to check up on you")).toContain("checkup");
    expect(normalizeText("a sore tooth")).toBe("a sore tooth");
  });
});

describe("offline LLM: a price is not a bill", () => {
  it("answers or admits a price question instead of sending it to billing", async () => {
    const unknown = await new Call(receptionist()).say("What would you charge for a set of dentures?");
    expect(unknown.toolCall).toBeUndefined();
    expect(unknown.text).toMatch(/don't have that information/);
    expect(unknown.text).not.toMatch(/Billing/);
    const known = await new Call(receptionist()).say("How much would it be for whitening if I pay in cash?");
    expect(known.knowledgeIds).toEqual(["whitening"]);
  });

  it("still sends the caller's own bill to billing", async () => {
    expect(await routeOf(receptionist(), "looks like my card got charged two times in March")).toBe("Billing");
    expect(await routeOf(receptionist(), "how much do I still owe on my account")).toBe("Billing");
    // A price word beside the bill itself (as a recogniser may add one) is still about the bill.
    expect(await routeOf(receptionist(), "I have a question about some invoice cost please")).toBe("Billing");
  });
});

describe("offline LLM: more everyday framings", () => {
  it("takes yeses joined by 'and' as one yes", async () => {
    const call = new Call(receptionist());
    await call.say("will it rain this weekend");
    expect((await call.say("yeah okay, go ahead and do that")).text).toMatch(/your name/i);
  });

  it("answers where to find the business, and the latest time to come, with the address and the hours", async () => {
    expect((await new Call(receptionist()).say("where can we find your clinic")).knowledgeIds).toEqual(["address"]);
    expect((await new Call(receptionist()).say("what's the earliest we could stop by tomorrow")).text).toMatch(/open from 8 AM/);
    expect((await new Call(receptionist()).say("which road is the dental practice on")).knowledgeIds).toEqual(["address"]);
  });

  it("takes wanting to come in for something as a booking", async () => {
    expect(await routeOf(receptionist(), "we need to bring my son in so his teeth get checked")).toBe("Front desk");
  });
});

describe("offline LLM: requests and places said in passing", () => {
  it("takes a free slot asked without a verb, and time to see someone, as a booking", async () => {
    expect(await routeOf(receptionist(), "any availability Monday morning?")).toBe("Front desk");
    expect(await routeOf(receptionist(), "would you have room to squeeze my husband in")).toBe("Front desk");
    expect(await routeOf(receptionist(), "I'm hoping to have my kid's teeth looked at")).toBe("Front desk");
  });

  it("takes 'have the dentist ring me' as a message", async () => {
    const turn = await new Call(receptionist()).say("could you have the dentist ring me back");
    expect(turn.text).toMatch(/your name/i);
  });

  it("answers where the business is when the caller asks it inside a longer line", async () => {
    for (const line of ["not sure where your clinic is", "which town are you folks in", "I'm lost, how do I locate your practice"]) {
      expect((await new Call(receptionist()).say(line)).knowledgeIds, line).toEqual(["address"]);
    }
  });

  it("reads the price of a thing by its last word when the whole phrase finds nothing", async () => {
    expect((await new Call(receptionist()).say("cost of a professional teeth whitening")).knowledgeIds).toEqual(["whitening"]);
  });
});

describe("offline LLM: a yes to what was read back", () => {
  it("is not taken as the message: the message is asked for again", async () => {
    const call = new Call(receptionist());
    await call.say("please take a message for me");
    await call.say("Noor Haddad, my number is 646 555 0123");
    const again = await call.say("yep, that's right");
    expect(again.toolCall).toBeUndefined();
    expect(again.text).toMatch(/what message/i);
    const saved = await call.say("yes, ask her to call me about the x-rays");
    expect(saved.toolCall?.name).toBe("take_message");
    expect(String(saved.toolCall?.args.message)).toMatch(/x-rays/);
  });
});

describe("offline LLM: follow-up questions", () => {
  it("answers 'what about <day>' and 'and <day>?' after the hours", async () => {
    const call = new Call(receptionist());
    await call.say("when are you open");
    expect((await call.say("what about saturday")).text).toMatch(/closed on Saturday/);
    expect((await call.say("and on Thursday?")).text).toMatch(/Thursday.*8 AM to 5 PM/);
  });

  it("answers 'what about X' from the entry that answered the line before", async () => {
    const call = new Call(receptionist());
    await call.say("which insurance plans are accepted");
    expect((await call.say("what about Humana")).knowledgeIds).toEqual(["insurers"]);
  });

  it("reads 'how much are they' with the line before, and admits what it does not know", async () => {
    const call = new Call(receptionist());
    await call.say("do you do veneers");
    const price = await call.say("how much are they");
    expect(price.knowledgeIds ?? []).toEqual([]);
    expect(price.text).toMatch(/don't have that information/);
  });
});

describe("offline LLM: changing course during a message", () => {
  it("transfers a caller who asks for a person before giving any details", async () => {
    const call = new Call(receptionist());
    await call.say("I want to leave a message");
    const turn = await call.say("no hang on, could I just speak to somebody");
    expect(turn.toolCall).toMatchObject({ name: "transfer_call" });
  });

  it("does not keep a bare yes as the caller's name", async () => {
    const call = new Call(receptionist());
    await call.say("I want to leave a message");
    await call.say("mm");
    const turn = await call.say("yes");
    expect(turn.text).not.toMatch(/Thanks, yes/i);
  });

  it("takes news for the dentist as a message", async () => {
    expect((await new Call(receptionist()).say("please let the dentist know we are stuck in traffic")).text).toMatch(/your name/i);
  });
});

describe("offline LLM: a booking with nobody to book it", () => {
  // The Appointment booking template as a user creates it: one department, for urgent same-day matters only.
  const built = findTemplate("appointments")?.build({ teamName: "Glow Studio", timeZone: "America/New_York" });
  if (!built) throw new Error("the appointments template is missing");
  const studio = ZAgentSnapshot.parse({
    agentName: "Mia",
    teamName: "Glow Studio",
    config: built.config,
    knowledge: built.knowledge.map((k, i) => ({ id: `k${i}`, ...k })),
    departments: built.departments.map((d, i) => ({ id: `d${i}`, ...d })),
  });

  it("takes a booking for another day as a request, with what the caller asked as the message", async () => {
    const call = new Call(studio);
    const turn = await call.say("I want to book a facial for next Wednesday");
    expect(turn.toolCall).toBeUndefined();
    expect(turn.text).toMatch(/take your request.*your name/i);
    await call.say("Lena Ortiz");
    // The template's own fields are asked next, once each; the message itself is not asked again.
    const next = await call.say("yes, this number is fine");
    expect(next.text).not.toMatch(/what message/i);
  });

  it("still sends a same-day or running-late call to the same-day desk", async () => {
    expect(await routeOf(studio, "could you squeeze me in today? it's urgent")).toBe("Front desk");
    expect(await routeOf(studio, "hi, running late, sorry")).toBe("Front desk");
  });

  it("takes a booking while closed as a request rather than a transfer", async () => {
    const turn = await new Call(receptionist(), { now: CLOSED_NOW }).say("I'd like to schedule a cleaning");
    expect(turn.toolCall).toBeUndefined();
    expect(turn.text).toMatch(/take your request/);
  });
});
