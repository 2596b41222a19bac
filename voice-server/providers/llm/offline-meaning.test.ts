import { describe, expect, it } from "vitest";
import { ZAgentSnapshot } from "@/lib/agents/config";
import { Call, receptionist, routeOf } from "@/voice-server/providers/llm/offline-test-kit";
import { knowledgeTopics } from "@/voice-server/providers/llm/offline/scope";

// Understanding by meaning rather than by the words of a fixed list: emergencies described the way pet owners and
// patients say them, questions about something the business has nothing to do with, and a caller who names the
// matter of the call without asking anything yet.

// An animal clinic as an owner would set it up, with its emergency line described in its own words.
const clinic = ZAgentSnapshot.parse({
  agentName: "Sam",
  teamName: "Cedar Hill Veterinary",
  config: {
    greeting: "Cedar Hill Veterinary, how can I help?",
    businessHours: {
      isEnabled: true,
      timeZone: "America/New_York",
      weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: "08:00", close: "18:00" })),
    },
  },
  knowledge: [
    { id: "species", kind: "qa", title: "Which animals do you treat?", content: "We treat dogs, cats, rabbits, ferrets and guinea pigs." },
    { id: "shots", kind: "qa", title: "How much are vaccinations?", content: "Each core vaccine is 45 dollars for dogs and cats." },
    { id: "diets", kind: "qa", title: "Do you sell pet food?", content: "We stock prescription diets for dogs and cats." },
  ],
  departments: [
    { id: "desk", name: "Front desk", phoneNumber: "+15550000030", whenToTransfer: "Appointments, refills and general questions" },
    {
      id: "urgent",
      name: "Urgent care",
      phoneNumber: "+15550000031",
      whenToTransfer: "Animals in danger: poisoning, breathing trouble, injuries, seizures or collapse",
    },
  ],
});

describe("offline LLM: an emergency described in the caller's own words reaches the emergency line", () => {
  const emergencies = [
    "our puppy got into a whole bar of chocolate",
    "my kitten is gasping and can barely get any air",
    "our dog got struck by a motorbike outside the house",
    "the rabbit passed out and she's not moving",
    "my cat keeps having fits",
    "I think the dog drank some antifreeze in the garage",
    "he was attacked by a bigger dog at the park and there's a deep cut",
  ];
  for (const line of emergencies) {
    it(`"${line}" goes straight to Urgent care`, async () => {
      const turn = await new Call(clinic).say(line);
      expect(turn.toolCall).toMatchObject({ name: "transfer_call", args: { department: "Urgent care" } });
      expect(turn.text).toMatch(/^I'm sorry to hear that/);
    });
  }

  it("does not treat an ordinary meal or a price question about pets as an emergency", async () => {
    const meal = await new Call(clinic).say("my dog ate his breakfast fine this morning");
    expect(meal.toolCall).toBeUndefined();
    const shots = await new Call(clinic).say("what do vaccinations cost for a kitten");
    expect(shots.text).toMatch(/45 dollars/);
    expect(shots.toolCall).toBeUndefined();
  });

  it("says what the practice can do for an animal emergency at a dental office, and still routes a hurt person", async () => {
    const pet = await new Call(receptionist()).say("my cat swallowed a couple of my pills");
    expect(pet.toolCall).toBeUndefined();
    expect(pet.text).toMatch(/I can answer questions about .*take a message/);
    expect(await routeOf(receptionist(), "the neighbour's dog bit my son on the lip and it won't stop bleeding")).toBe("On-call dentist");
    expect(await routeOf(receptionist(), "I was rear-ended in my car and cracked a molar")).toBe("On-call dentist");
  });

  it("still says bad breath is a question, not a caller who cannot breathe", async () => {
    const turn = await new Call(receptionist()).say("I have really bad breath lately");
    expect(turn.toolCall?.name).not.toBe("transfer_call");
  });
});

describe("offline LLM: a question about something the business has nothing to do with", () => {
  const foreign = [
    "can you process my life insurance claim",
    "do you take travel insurance",
    "do you guys fix motorcycles",
  ];
  for (const line of foreign) {
    it(`"${line}" gets what the agent can do, not an entry that shares a word`, async () => {
      const turn = await new Call(receptionist()).say(line);
      expect(turn.text).toMatch(/^I'm sorry, I don't have that information\. I can answer questions about/);
      expect(turn.text).toMatch(/put you through to the front desk, the on-call dentist, or Billing/);
      expect(turn.text).not.toMatch(/Delta Dental|Cigna/);
      expect(turn.knowledgeIds).toBeUndefined();
      expect(turn.toolCall).toBeUndefined();
    });
  }

  it("names what it can answer by the topics of its questions, not by the verbs they ask with", () => {
    // "Which animals do you treat?", "Do you sell pet food?": pets and food, not "treat" or "sell".
    expect(knowledgeTopics(clinic)).toEqual(["our opening hours", "pets", "vaccinations prices", "food"]);
  });

  it("still answers the insurers it takes, whatever insurer the caller names", async () => {
    for (const line of ["do you accept Humana insurance", "is UnitedHealthcare insurance ok", "do you take medicare"]) {
      expect((await new Call(receptionist()).say(line)).text).toMatch(/We accept Delta Dental, Cigna, Aetna and MetLife/);
    }
  });

  it("keeps a vehicle at home where the business has parking", async () => {
    const withParking = receptionist({
      knowledge: [
        ...receptionist().knowledge,
        { id: "parking", kind: "qa", title: "Is there parking?", content: "Free parking is behind the building." },
      ],
    });
    expect((await new Call(withParking).say("where can I leave the truck while I'm in there")).text).toMatch(/Free parking/);
  });

  it("keeps a booking that mentions a car a booking", async () => {
    expect(await routeOf(receptionist(), "my car won't start so I need to reschedule my cleaning")).toBe("Front desk");
  });
});

describe("offline LLM: a name heard whole is not repaired into a shorter word", () => {
  it("does not hear an insurer's name that starts like 'human' as asking for a person", async () => {
    for (const line of ["does your clinic work with Humana", "are you in network with humana for cats"]) {
      const turn = await new Call(clinic).say(line);
      expect(turn.toolCall, line).toBeUndefined();
      expect(turn.text, line).not.toMatch(/transfer you to|connect you/);
    }
  });
});

describe("offline LLM: the caller names the matter of the call", () => {
  it("puts a stated matter through to the department that handles it", async () => {
    const turn = await new Call(receptionist()).say("hi, I'm calling regarding a payment that went through twice");
    expect(turn.toolCall).toMatchObject({ name: "transfer_call", args: { department: "Billing" } });
    expect(turn.text).toBe("Sure, let me transfer you to Billing. They can help with that.");
  });

  it("answers from the knowledge when no department handles the matter, and answers a question asked with it", async () => {
    const whitening = await new Call(receptionist()).say("I have a quick question about your teeth whitening");
    expect(whitening.text).toMatch(/350 dollars/);
    const asked = await new Call(receptionist()).say("I'm calling about my bill, where do I send a check");
    expect(asked.toolCall).toBeUndefined();
  });
});
