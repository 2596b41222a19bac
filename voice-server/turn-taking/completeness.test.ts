import { describe, expect, it } from "vitest";
import { assessCompleteness, expectedData } from "./completeness";

// Phrasings are generated (openers x bodies x closings, random digit groups), so the rules are tested on
// combinations nobody wrote down, not on a memorized list.

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(14);
const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
const DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const spoken = (n: number) => Array.from({ length: n }, () => pick(DIGIT_WORDS)).join(" ");

const en = (text: string, agentQuestion: string | null = null) => assessCompleteness({ text, language: "en-US", agentQuestion });

const OPENERS = ["", "Hi, ", "Hello, ", "Um, ", "Yeah, ", "Okay so ", "Hi there. ", "Uh "];
const QUESTIONS = [
  "what are your opening hours",
  "where are you located",
  "do you take walk-ins",
  "how much is a cleaning",
  "can I speak to someone in billing",
  "are you open on Saturday",
  "is there parking nearby",
  "what time do you close today",
  "could you tell me the price of a filling",
  "when is the next available appointment",
  "who is the dentist on Friday",
  "does the clinic accept my insurance",
];
const SENTENCES = [
  "I need to cancel my appointment",
  "I'd like to book a cleaning",
  "my tooth has been hurting since Monday",
  "I want to speak to a person",
  "I was calling about my bill",
  "I'm running late for my appointment",
  "we need a table for four people tonight",
  "I'd like to reschedule to next week",
  "I think I left my umbrella there",
];
const TRAILING = [
  "and", "but", "so", "because", "to", "for", "with", "at", "the", "a", "an", "my", "um", "uh", "er", "like", "or",
  "of", "about", "if", "whether", "is", "it's", "I'm", "your", "which",
];

describe("assessCompleteness (English)", () => {
  it("reads questions as complete, with or without openers, punctuation and case", () => {
    for (const q of QUESTIONS) {
      for (let i = 0; i < 4; i++) {
        const punct = pick(["?", "", "? ", "."]);
        const text = `${pick(OPENERS)}${random() < 0.5 ? q : q.toUpperCase()}${punct}`;
        expect(en(text), text).toMatchObject({ state: "complete" });
      }
    }
  });

  it("reads statements that end on a content word as complete", () => {
    for (const s of SENTENCES) {
      for (let i = 0; i < 3; i++) {
        const text = `${pick(OPENERS)}${s}${pick(["", ".", "!"])}`;
        expect(en(text), text).toMatchObject({ state: "complete" });
      }
    }
  });

  it("reads any turn ending on a conjunction, preposition, article, copula or filler as mid-thought", () => {
    for (const body of [...QUESTIONS, ...SENTENCES]) {
      for (let i = 0; i < 4; i++) {
        const tail = pick(TRAILING);
        const text = `${pick(OPENERS)}${body} ${tail}${pick(["", ",", "...", " -"])}`;
        expect(en(text).state, text).toBe("incomplete");
      }
    }
  });

  it("waits on an open request with nothing booked yet", () => {
    for (const frame of ["I'd like to", "I would like to", "I want to", "I need to", "can I", "could I", "I was hoping to", "I'm calling to"]) {
      for (const verb of ["book", "schedule", "make", "get", "ask", "cancel", "change", "speak", "talk", "check", "find out"]) {
        const text = `${pick(OPENERS)}${frame} ${verb}${pick(["", "...", ","])}`;
        expect(en(text).state, text).toBe("incomplete");
        expect(en(`${text} an appointment for Tuesday`).state, `${text} an appointment for Tuesday`).toBe("complete");
      }
    }
  });

  it("keeps a phone number open until ten digits, however they are grouped or spoken", () => {
    for (let i = 0; i < 40; i++) {
      const groups = [3, 3, 4];
      const written = groups.map(digits);
      const isSpoken = random() < 0.5;
      const parts = isSpoken ? groups.map(spoken) : written;
      const lead = pick(["My number is ", "It's ", "Sure, it's ", "", "Yeah it is "]);
      const asked = pick(["What's the best number to reach you on?", "Can I get your phone number?", "And your mobile?"]);
      for (let k = 1; k < parts.length; k++) {
        const text = `${lead}${parts.slice(0, k).join(" ")}`;
        expect(en(text, asked).state, text).toBe("incomplete");
      }
      const whole = `${lead}${parts.join(" ")}`;
      expect(en(whole, asked), whole).toMatchObject({ state: "complete", dataKind: "phone" });
      // Without the agent's question, the caller's own "number" says what is coming.
      if (lead.startsWith("My number")) expect(en(`${lead}${parts[0]} ${parts[1]}`).state).toBe("incomplete");
    }
  });

  it("counts double and triple and tens words as digits", () => {
    const asked = "What number can we call you back on?";
    expect(en("four one five double five", asked).state).toBe("incomplete");
    expect(en("four one five double five five triple two one", asked).state).toBe("complete");
    expect(en("oh seven seven double oh", asked).state).toBe("incomplete");
    expect(en("four fifteen five five five twenty one twelve", asked).state).toBe("complete");
  });

  it("keeps a card number open until sixteen digits", () => {
    const asked = "Could you read me the card number?";
    const groups = [digits(4), digits(4), digits(4), digits(4)];
    expect(en(groups.slice(0, 2).join(" "), asked).state).toBe("incomplete");
    expect(en(groups.slice(0, 3).join(" "), asked).state).toBe("incomplete");
    expect(en(groups.join(" "), asked)).toMatchObject({ state: "complete", dataKind: "card" });
  });

  it("keeps a phone number open below ten digits: seven is a group of a longer number, not a whole one", () => {
    const asked = "What's the best number to reach you on?";
    for (const text of ["five five five one two three four", "two oh six double five four", "nine one nine two two eight four four"]) {
      expect(en(text, asked), text).toMatchObject({ state: "incomplete", reason: "dictating", dataKind: "phone" });
    }
  });

  it("reads a card's short codes as whole at three or four digits, the card number itself only at sixteen", () => {
    expect(en("four one one one", "Could you read me the card number?").state).toBe("incomplete");
    for (const asked of ["And the CVV?", "What's the expiry?", "Can you give me the last four digits?"]) {
      expect(en("one two three", asked), asked).toMatchObject({ state: "complete", dataKind: "code" });
      expect(en("one", asked).state, asked).toBe("incomplete");
    }
  });

  it("keeps a date of birth open until it has its year", () => {
    const asked = "And your date of birth?";
    for (const text of ["July", "July the ninth", "the ninth of July", "9th of July", "July 9th"]) {
      expect(en(text, asked), text).toMatchObject({ state: "incomplete", dataKind: "birthdate" });
    }
    for (const text of ["July the ninth nineteen eighty four", "the 9th of July 1984", "oh seven oh nine eighty four"]) {
      expect(en(text, asked), text).toMatchObject({ state: "complete", dataKind: "birthdate" });
    }
    // An appointment's date needs no year.
    expect(en("July the ninth", "What date would you like to come in?").state).toBe("complete");
  });

  it("keeps an email address open until it has a domain", () => {
    const asked = "What's your email address?";
    for (const user of ["john", "jane dot doe", "j smith", "bookings"]) {
      for (const domain of ["gmail", "acme", "example"]) {
        const stages = [`${user}`, `${user} at`, `${user} at ${domain}`, `${user} at ${domain} dot`];
        for (const stage of stages) expect(en(`it's ${stage}`, asked).state, stage).toBe("incomplete");
        expect(en(`it's ${user} at ${domain} dot com`, asked)).toMatchObject({ state: "complete", dataKind: "email" });
      }
    }
    expect(en("jo@acme.com", asked).state).toBe("complete");
    expect(en("jo@acme", asked).state).toBe("incomplete");
    expect(en("my email is sam dot lee at", null).state).toBe("incomplete");
  });

  it("hears an address being spelled without being asked for one: 'dot' or 'underscore' between words", () => {
    for (const question of [null, "Anything else?", "How can I help you today?"]) {
      for (const stage of ["jane dot doe", "sam underscore lee", "sam underscore lee at outlook", "it's m dot smith at acme dot"]) {
        expect(en(stage, question), `${question} / ${stage}`).toMatchObject({ state: "incomplete", dataKind: "email" });
      }
      expect(en("sam underscore lee at outlook dot com", question)).toMatchObject({ state: "complete", dataKind: "email" });
      // "at" alone is an everyday word.
      expect(en("I'm at the station", question).state).toBe("complete");
      expect(en("can I book at lunchtime", question).state).toBe("complete");
    }
  });

  it("reads twelve to fifteen digits of unknown data as maybe more to come (a card number on its way to sixteen)", () => {
    const question = "Anything else?";
    expect(en(`it's ${spoken(10)}`, question).state).toBe("complete");
    expect(en(`${spoken(4)} ${spoken(4)} ${spoken(4)}`, question).state).toBe("unsure");
    expect(en(`${spoken(4)} ${spoken(4)} ${spoken(4)} ${spoken(3)}`, question).state).toBe("unsure");
    expect(en(`${spoken(4)} ${spoken(4)} ${spoken(4)} ${spoken(4)}`, question).state).toBe("complete");
  });

  it("keeps a date open until it has a day", () => {
    const asked = "What date works for you?";
    for (const month of ["March", "april", "December", "July"]) {
      expect(en(`${pick(["", "um ", "maybe "])}${month}`, asked).state).toBe("incomplete");
      expect(en(`${month} ${pick(["3rd", "14", "twenty first", "the fifth"])}`, asked).state).toBe("complete");
      expect(en(`the ${pick(["3rd", "14th", "21st"])} of ${month}`, asked).state).toBe("complete");
      expect(en(`the ${pick(["3rd", "14th"])} of`, asked).state).toBe("incomplete");
    }
    expect(en("next", asked).state).toBe("incomplete");
    expect(en("next Tuesday", asked).state).toBe("complete");
  });

  it("waits for the data after a bare yes to a request for it, but not after a question", () => {
    for (const asked of ["What's your phone number?", "Can I take your email?", "What's your date of birth?", "Could I get your name?"]) {
      for (const yes of ["sure", "yes", "yeah", "okay", "sure, yeah", "yep"]) expect(en(yes, asked).state, `${asked} / ${yes}`).toBe("incomplete");
      expect(en("why do you need that?", asked).state).toBe("complete");
      expect(en("I'd rather not give it out", asked).state).toBe("complete");
    }
    // The same "sure" with no request pending is a complete answer.
    expect(en("sure", "Would you like me to book that?").state).toBe("complete");
  });

  it("waits after a question that has only its subject yet", () => {
    for (const text of ["can you", "Could you", "um do you", "is it", "are you", "so can I", "would you"]) expect(en(text).state, text).toBe("incomplete");
    expect(en("can you?").state).toBe("complete");
    expect(en("can you help").state).toBe("complete");
  });

  it("treats elliptical answers and set phrases as complete", () => {
    for (const text of ["yes I do", "no it isn't", "yes it is", "I think so", "thank you", "me too", "that's all", "we can", "yes please", "no", "no thanks", "hold on"]) {
      expect(en(text).state, text).toBe("complete");
    }
  });

  it("reads a bare acknowledgement as whole only as the answer to a yes/no offer: elsewhere the caller may go on", () => {
    const offers = ["Would you like me to book that?", "Shall I send you a reminder?", "We have 3 pm free. Is that okay?", "Do you want the earlier slot?"];
    const others = [null, "Anything else?", "How can I help you today?", "We're open nine to five on weekdays.", "What would you like to do?"];
    for (const ack of ["sure", "okay", "yeah", "yes", "alright", "okay okay", "um okay", "yeah sure"]) {
      for (const offer of offers) expect(en(ack, offer).state, `${offer} / ${ack}`).toBe("complete");
      for (const other of others) expect(en(ack, other).state, `${other} / ${ack}`).toBe("unsure");
    }
    // Not an acknowledgement alone: a turn.
    expect(en("yes please", "Anything else?").state).toBe("complete");
    expect(en("no", "Anything else?").state).toBe("complete");
  });

  it("reads fillers before a question as harmless and an empty transcript as no turn", () => {
    expect(en("um... where are you?").state).toBe("complete");
    expect(en("uh so um where are you located").state).toBe("complete");
    expect(en("um...").state).toBe("incomplete");
    expect(en("   ").reason).toBe("no-words");
  });
});

describe("expectedData", () => {
  it("recognizes the kind of data an agent line asks for", () => {
    expect(expectedData("What's the best number to reach you?", "en-US")).toBe("phone");
    expect(expectedData("Can I get an email address for the confirmation?", "en-US")).toBe("email");
    expect(expectedData("What day works best?", "en-GB")).toBe("date");
    expect(expectedData("And what's your full name?", "en-US")).toBe("name");
    expect(expectedData("What's the postcode?", "en-AU")).toBe("address");
    expect(expectedData("Is there anything else?", "en-US")).toBeNull();
    expect(expectedData("¿Cuál es su número de teléfono?", "es-MX")).toBe("phone");
    expect(expectedData("Quelle est votre adresse e-mail ?", "fr-FR")).toBe("email");
    expect(expectedData("Wie lautet Ihre Telefonnummer?", "de-DE")).toBe("phone");
  });
});

describe("assessCompleteness (other languages)", () => {
  const cases: { language: string; complete: string[]; incomplete: string[] }[] = [
    { language: "es-ES", complete: ["¿Cuál es el horario?", "Quiero reservar una cita", "¿Dónde están?"], incomplete: ["Quiero reservar una cita para", "Necesito hablar con", "Mi número es", "eh", "y"] },
    { language: "fr-FR", complete: ["Quels sont vos horaires ?", "Je voudrais prendre rendez-vous", "Où êtes-vous ?"], incomplete: ["Je voudrais prendre un", "C'est pour", "euh", "Mon numéro est"] },
    { language: "de-DE", complete: ["Wann haben Sie geöffnet?", "Ich möchte einen Termin buchen", "Wo sind Sie?"], incomplete: ["Ich möchte einen Termin für", "Meine Nummer ist", "ähm", "und"] },
    { language: "it-IT", complete: ["Quando siete aperti?", "Vorrei prenotare una pulizia"], incomplete: ["Vorrei prenotare una", "Il mio numero è", "ehm"] },
    { language: "pt-BR", complete: ["Qual é o horário?", "Quero marcar uma consulta"], incomplete: ["Quero marcar uma consulta para", "Meu número é", "hã"] },
    { language: "nl-NL", complete: ["Wanneer zijn jullie open?", "Ik wil een afspraak maken"], incomplete: ["Ik wil een afspraak voor", "Mijn nummer is", "ehm"] },
    { language: "hi-IN", complete: ["aapka clinic kahan hai"], incomplete: ["mera number hai aur", "mujhe book"] },
  ];
  for (const { language, complete, incomplete } of cases) {
    it(`applies the ${language} tables`, () => {
      for (const text of complete) expect(assessCompleteness({ text, language }).state, text).toBe("complete");
      for (const text of incomplete) expect(assessCompleteness({ text, language }).state, text).toBe("incomplete");
    });
  }

  it("counts spoken digits in Spanish and German against a phone request", () => {
    const es = (text: string) => assessCompleteness({ text, language: "es-MX", agentQuestion: "¿Me da su teléfono?" }).state;
    expect(es("cinco cinco cinco")).toBe("incomplete");
    expect(es("cinco cinco cinco uno dos tres cuatro cinco seis siete")).toBe("complete");
    const de = (text: string) => assessCompleteness({ text, language: "de-DE", agentQuestion: "Ihre Telefonnummer bitte?" }).state;
    expect(de("null drei null")).toBe("incomplete");
    expect(de("030 1234 5678")).toBe("complete");
  });

  it("falls back to English tables for a language it has none for", () => {
    expect(assessCompleteness({ text: "I'd like to book the", language: "sv-SE" }).state).toBe("incomplete");
  });
});
