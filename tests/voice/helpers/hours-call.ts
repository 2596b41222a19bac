import type { TScriptedVoiceServer } from "./scripted-voice-server";
import { HOURS_KNOWLEDGE, seedAgent, type TSeededAgent } from "./seed";
import { speech } from "./speech";
import { generationOf, TwilioCaller } from "./twilio-caller";

// A caller asks an agent that knows the opening hours for them, and this returns once the first sentence of the
// three-sentence answer has played (its mark came back): the moment to talk over the rest, or to kill the server.
// `transcripts`: what speech-to-text hears, the question first.
export async function askHoursUntilFirstSentence(
  harness: TScriptedVoiceServer,
  transcripts: string[] = ["What are your opening hours?"],
): Promise<{ agent: TSeededAgent; caller: TwilioCaller; answerGeneration: number }> {
  const agent = await seedAgent(harness.testDb.db, { accountSid: harness.voice.accountSid, knowledge: [HOURS_KNOWLEDGE] });
  harness.script.push(...transcripts);
  const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164));
  await caller.dial();
  await caller.connect();
  await caller.waitForAgentToFinish();
  return { agent, caller, answerGeneration: await hearFirstSentenceOfHours(caller, 20_000) };
}

// On a connected call whose greeting has played: the caller asks for the opening hours, and this returns once the
// first sentence of the answer has played, with the generation of the answer's marks.
export async function hearFirstSentenceOfHours(caller: TwilioCaller, timeoutMs: number): Promise<number> {
  // The greeting's mark comes back after its audio: on a loaded machine it can still be on its way when the caller
  // has heard the audio end.
  await caller.waitFor(() => caller.echoes().length > 0, timeoutMs, "the greeting's mark to come back");
  const greetingGeneration = generationOf(caller.echoes()[0]!.name);
  await caller.say(await speech("What are your opening hours?"));
  await caller.waitFor(
    () => caller.echoes().some((e) => generationOf(e.name) > greetingGeneration && !e.wasCleared),
    timeoutMs,
    "the first sentence of the answer to play",
  );
  return generationOf(caller.echoes().at(-1)!.name);
}
