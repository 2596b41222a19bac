import { describe, expect, it } from "vitest";
import { Call, receptionist, routeOf } from "@/voice-server/providers/llm/offline-test-kit";
import { buildVocabulary, closestWord, soundDistance, soundKey } from "@/voice-server/providers/llm/offline/sounds-like";
import { expandParaphrases } from "@/voice-server/providers/llm/offline/paraphrase";
import { isAffirmative, isGoodbye, isNegative, isThanks } from "@/voice-server/providers/llm/offline/intents";
import { normalizeText } from "@/voice-server/providers/llm/offline/text";
import { parseName } from "@/voice-server/providers/llm/offline/spoken-input";

// Lines as an imperfect recogniser or an ordinary caller says them: sound-alikes, split words, everyday phrasing,
// short or half-heard answers. The receptionist's knowledge is the test kit's (Maple Street Dental).

describe("sounds-like matching", () => {
  const vocabulary = buildVocabulary(["cigna", "aetna", "metlife", "address", "cancel", "appointment", "parking", "whitening", "price", "prices"]);

  it("finds the knowledge word a misheard word stands for", () => {
    expect(closestWord(vocabulary, "sigma")).toBe("cigna");
    expect(closestWord(vocabulary, "etna")).toBe("aetna");
    expect(closestWord(vocabulary, "adress")).toBe("address");
    expect(closestWord(vocabulary, "cancer")).toBe("cancel");
    expect(closestWord(vocabulary, "parkin")).toBe("parking");
    expect(closestWord(vocabulary, "whiting")).toBe("whitening");
    // "price" and "prices" are one meaning, not a tie.
    expect(closestWord(vocabulary, "prize")).toMatch(/^prices?$/);
  });

  it("leaves words that sound like nothing the agent knows alone", () => {
    for (const word of ["pizza", "restaurant", "weather", "plumber", "taxes", "haircut", "sigh", "cat"]) {
      expect(closestWord(vocabulary, word), word).toBeUndefined();
    }
  });

  it("scores similar sounds (m/n, d/t, l/r) closer than different ones", () => {
    expect(soundDistance(soundKey("sigma"), soundKey("cigna"))).toBeLessThan(soundDistance(soundKey("sigka"), soundKey("cigna")));
    expect(soundKey("a point meant")).toBe(soundKey("appointment"));
  });
});

describe("offline LLM: misheard lines", () => {
  const insurance = ["do you take sigma", "do you accept sig na", "is met life accepted", "do you take etna"];
  for (const line of insurance) {
    it(`answers "${line}" from the insurance entry`, async () => {
      const turn = await new Call(receptionist()).say(line);
      expect(turn.knowledgeIds).toEqual(["insurers"]);
      expect(turn.text).toMatch(/Cigna/);
    });
  }

  it("answers a line that only names an insurer among misheard words", async () => {
    const turn = await new Call(receptionist()).say("uh i have metlife is that gonna work");
    expect(turn.knowledgeIds).toEqual(["insurers"]);
  });

  it("routes split and sound-alike words by what they sound like", async () => {
    expect(await routeOf(receptionist(), "i need to can sell my appointment")).toBe("Front desk");
    expect(await routeOf(receptionist(), "can i move my a point meant")).toBe("Front desk");
    expect(await routeOf(receptionist(), "i have a tooth ache")).toBe("On-call dentist");
  });

  it("does not rewrite a line it understood, nor a subject no business answers", async () => {
    const weather = await new Call(receptionist()).say("what's the weather like");
    expect(weather.text).toMatch(/not something I can help with/);
    const pizza = await new Call(receptionist()).say("can you order me a pizza");
    expect(pizza.toolCall).toBeUndefined();
    expect(pizza.knowledgeIds ?? []).toEqual([]);
    expect(pizza.text).toMatch(/don't have that information|not something I can help with/);
  });
});

describe("offline LLM: everyday phrasing", () => {
  it("adds the plain word for everyday phrasings and leaves other lines as they are", () => {
    expect(expandParaphrases(normalizeText("Can you fit me in on Friday?"))).toBe("can you appointment on friday");
    expect(expandParaphrases(normalizeText("Where do I leave my car?"))).toBe("where do i parking");
    expect(expandParaphrases(normalizeText("I was charged twice"))).toMatch(/overcharged bill/);
    expect(expandParaphrases(normalizeText("Please give me a ring"))).toMatch(/callback$/);
    expect(expandParaphrases(normalizeText("My crown fell off"))).toMatch(/broken pain$/);
    expect(expandParaphrases("what are your hours")).toBe("what are your hours");
    expect(expandParaphrases(normalizeText("the statement came out to two hundred dollars"))).not.toMatch(/pain/);
  });

  it("books 'fit me in' and 'see the dentist' with the front desk, not the on-call dentist", async () => {
    expect(await routeOf(receptionist(), "Could you fit me in sometime next week?")).toBe("Front desk");
    expect(await routeOf(receptionist(), "I'd like to see the dentist soon")).toBe("Front desk");
  });

  it("starts a message for 'give me a ring' and 'get back to me'", async () => {
    for (const line of ["Can somebody give me a ring later?", "I need someone to get back to me today"]) {
      expect((await new Call(receptionist()).say(line)).text, line).toMatch(/your name/);
    }
  });

  it("does not take a broken-down car for a broken tooth: the caller is running late", async () => {
    const turn = await new Call(receptionist()).say("my car broke down and I'll be late for my appointment");
    expect(turn.toolCall).toBeUndefined();
    expect(await routeOf(receptionist(), "my car broke down and I'll be late for my appointment")).toBe("Front desk");
    expect(await routeOf(receptionist(), "I broke a tooth on a nut")).toBe("On-call dentist");
  });

  it("sends a crown that fell off and hurts to the emergency line", async () => {
    const turn = await new Call(receptionist()).say("my crown fell off this morning");
    expect(turn.toolCall).toMatchObject({ name: "transfer_call", args: { department: "On-call dentist" } });
  });
});

describe("offline LLM: short and half-heard answers", () => {
  const yes = ["mm hmm yes please", "uh huh yes", "well sure", "that would be lovely", "great", "oh okay go ahead"];
  const no = ["i think that is it", "nah i am good", "no that was all", "nothing more thanks", "well no thank you"];
  it("reads yes and no with a lead-in or a polite tail", () => {
    for (const line of yes) expect(isAffirmative(normalizeText(line)), line).toBe(true);
    for (const line of no) expect(isNegative(normalizeText(line)), line).toBe(true);
    // Not answers: a greeting, a new question, a yes taken back.
    for (const line of ["good morning what are your hours", "okay so where are you", "yes no wait"]) {
      expect(isAffirmative(normalizeText(line)), line).toBe(false);
    }
  });

  it("takes a goodbye at the end of a question as the question, and thanks as thanks", () => {
    expect(isGoodbye(normalizeText("thanks so much, take care"))).toBe(true);
    expect(isGoodbye(normalizeText("can you recommend a dentist near the station bye"))).toBe(false);
    expect(isThanks(normalizeText("oh that's really helpful, thank you"))).toBe(true);
    expect(isThanks(normalizeText("thanks, and where do I park"))).toBe(false);
  });

  it("takes a message after 'mm hmm, yes please' to the offer, and ends after 'I think that's it'", async () => {
    const call = new Call(receptionist());
    await call.say("what's the weather like tomorrow");
    expect((await call.say("mm hmm, yes please")).text).toMatch(/your name/);
    const done = new Call(receptionist());
    await done.say("where are you located");
    expect((await done.say("I think that's it")).toolCall?.name).toBe("end_call");
  });

  it("does not hang up on a question that ends in a stray 'bye'", async () => {
    const turn = await new Call(receptionist()).say("where are you located bye");
    expect(turn.toolCall).toBeUndefined();
    expect(turn.text).toMatch(/42 Maple Street/);
  });
});

describe("offline LLM: names as callers give them", () => {
  it("reads a name after 'put it under', 'it'd be' and a half-heard 'it's'", () => {
    expect(parseName("You can put it under Robert Chen")).toBe("Robert Chen");
    expect(parseName("It'd be Fatima Noor.")).toBe("Fatima Noor");
    expect(parseName("yes it David Miller")).toBe("David Miller");
    expect(parseName("Oh sure, the name is Walter Brooks.")).toBe("Walter Brooks");
  });
});

describe("offline LLM: message details given together", () => {
  it("takes a name and a number said in one breath, and asks for neither again", async () => {
    const call = new Call(receptionist());
    await call.say("I'd like to leave a message");
    const both = await call.say("This is Jane Doe, my number is 617 555 0142");
    expect(both.text).toMatch(/Thanks, Jane Doe\. I have your number as 6 1 7, 5 5 5, 0 1 4 2\./);
    expect(both.text).toMatch(/what message/i);
    const saved = await call.say("please tell the front desk I need to reschedule");
    expect(saved.toolCall?.args).toMatchObject({ name: "Jane Doe", callback_number: "6175550142" });
  });
});
