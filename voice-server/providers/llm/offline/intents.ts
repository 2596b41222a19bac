// What a caller's words mean for the phone flow: yes/no, goodbye, asking for a person or a message, and so on.
// Patterns run on normalizeText() output (lower case, contractions expanded, punctuation removed).
import { contentWords } from "./text";

// Longest first, so "please do" is read whole rather than as "please" followed by a question ("do ...").
const YES_WORDS = [
  "yes", "yeah", "yea", "yep", "yup", "ya", "yah", "aye", "sure", "ok", "okay", "please", "correct", "right", "absolutely",
  "definitely", "certainly", "of course", "go ahead", "go for it", "sounds good", "sounds great", "sounds fine",
  "sounds perfect", "that would be (?:great|good|lovely|nice|helpful|perfect|fine|wonderful)", "that works",
  "works for me", "please do", "alright", "all right", "why not", "yes please", "uh huh", "mhm", "mm hmm", "do it",
  "do that", "sure thing", "you bet", "that is right", "that is correct",
].sort((a, b) => b.length - a.length);
export const YES = new RegExp(`^(${YES_WORDS.join("|")})\\b`);
// Words that say yes only on their own ("great!"), not at the start of something else ("good morning, ...").
const BARE_YES = /^(fine|great|perfect|lovely|good|excellent|wonderful|brilliant)( thanks| thank you| please)?$/;
export const NO =
  /^(no|nope|nah|naw|not really|not now|not today|not right now|no thanks|no thank you|i am good|i am fine|i am okay|i am ok|i am all set|we are good|we are all set|all set|all good|that is all|that is it|that is everything|that was all|that was it|that will be all|that will do|nothing|nothing else|nothing more|no need|do not bother|not necessary|i will pass|maybe later|i am done)\b/;
const YES_TAIL = /\b(would be (great|lovely|perfect|helpful|good|nice|wonderful)|sounds (good|great|fine|perfect)|yes please|go ahead|please do)$/;
// Sounds a caller makes before the answer itself ("oh", "well", "um, I think"), stripped before yes/no matching.
const LEAD_IN = /^(?:(?:oh|well|um+|uh+(?! huh)|er+|hmm+|ah|so|i think|i guess|actually|honestly|hmm|okay so)\s+)+/;
export const GOODBYE =
  /\b(bye|goodbye|bye bye|good bye|see you|see ya|talk to you later|talk soon|speak soon|catch you later|take care|so long|have a (good|nice|great|lovely|wonderful) (day|one|night|evening|weekend|afternoon|morning))\b/;
export const THANKS_ONLY =
  /^(ok |okay |great |perfect |awesome |alright )?(thanks|thank you|thank you so much|thanks so much|thanks a lot|thank you very much|cheers|great|perfect|awesome)( so much| very much| a lot)?$/;
export const GREETING_ONLY = /^(hi|hello|hey|hiya|good (morning|afternoon|evening)|hi there|hello there|hey there)( there)?$/;
export const HOW_ARE_YOU = /\b(how are you|how is it going|how are things|how are you doing)\b/;
export const IDENTITY =
  /\b(who are you|what is your name|who am i (talking|speaking) (to|with)|(are you|am i (talking|speaking) (to|with)|is this) (a |an )?(real|human|person|robot|bot|machine|ai|computer|artificial|recording))/;
export const STRONG_HUMAN =
  /\b(representative|operator|receptionist|human|real person|live person|actual person|real human|somebody real|someone real)\b/;
export const TRANSFER_VERB =
  /\b(transfer|connect|put me through|patch me through|speak (to|with)|talk (to|with)|get me through)\b/;
// "I need a manager", "can I get a real person", or just "Agent!": asking for someone without a verb like "speak".
export const HUMAN_REQUEST =
  /\b(?:i (?:want|need|would like)|(?:can|could|may) i (?:get|have)|get me|give me)\s+(?:(?:a|an|the|your|some)\s+)?(?:(?:real|live|actual)\s+)?(?:person|human|human being|agent|manager|supervisor|owner|someone|somebody|anyone|anybody)\b|^(?:agent|manager|supervisor|person|human being)(?: please)?$|\bis (?:the|your|my) (?:manager|owner|boss|supervisor|doctor|dentist|vet|lawyer|attorney|accountant|technician|person in charge) (?:in|there|around|available|free)\b/;
export const LEAVE_MESSAGE =
  /\b((leave|take|give|send|pass) (a |me |them |him |her )?(message|voicemail|note)|call me back|callback|call back|have (someone|somebody) call)\b/;
export const HISTORY =
  /\b(called (before|earlier|yesterday|last week|last time|previously)|my (last|previous|earlier) call|(spoke|talked) (to|with) (someone|you|somebody) (before|earlier|yesterday|last week)|following up|follow up on my)\b/;
export const HOURS_INTENT = /\b(hours?|open|opened|opening|opens|close|closing|closes|closed|what time)\b/;
export const REPEAT =
  /^(?:(?:sorry|i am sorry|pardon|excuse me|um|uh|oh|what)\s+)*(?:(?:(?:can|could|would|will) you|please)\s+)*(?:repeat(?: that| it| yourself| the last part| what you said)?|say (?:that|it) again|say again|come again|pardon(?: me)?|what did you (?:just )?say|what was that|i did not (?:quite )?(?:catch|hear|get|understand) (?:that|you|it|what you said)|what|sorry|huh)(?:\s+(?:again|please|sorry|one more time))*$/;
export const QUESTION_START =
  /^(?:(?:wait|sorry|actually|oh|um|uh|hold on|hang on|before that|quick question|also|and|but|so|ok|okay)\s+)*(what|when|where|how|why|do|does|did|are|is|can|could|will|would)\b/;
export const CANCEL_FLOW =
  /^(never mind|nevermind|forget it|cancel|cancel that|stop|no thanks|no thank you|do not bother|i changed my mind)$/;
export const SKIP_FIELD =
  /^(skip|skip it|pass|no|nope|i do not know|do not know|not sure|i am not sure|i would rather not|rather not|prefer not to say|none|no thanks)$/;
export const USE_CALLER_NUMBER =
  /\b(this (one|number)|that (one|number)|same (one|number)|the number i am calling from|calling from|use (it|that|this|the same)|current number|my number is fine|that is fine|that is good|that is the one)\b/;

export function isAffirmative(normalized: string): boolean {
  const line = normalized.replace(LEAD_IN, "");
  if (BARE_YES.test(line)) return true;
  // A short reply whose first words were lost still says yes by its end ("... that would be great").
  if (!YES.test(line)) return line.split(" ").length <= 6 && !NO.test(line) && YES_TAIL.test(line) && !QUESTION_START.test(line);
  // "Yeah, why not", "okay sure": one yes after another is still a yes.
  let rest = line;
  // "Sure, go ahead and do that": yeses joined by "and" are one yes.
  while (YES.test(rest)) rest = rest.replace(YES, "").trim().replace(/^(and|then|and then)\s+(?=\S)/, "");
  if (GOODBYE.test(rest)) return false;
  // "OK, so where exactly are you?" is a new question, not a yes; "good" alone is, "good question" is not.
  if (QUESTION_START.test(rest.replace(/^(so|then|and|but)\s+/, ""))) return false;
  if (/^(no|not)\b/.test(rest)) return false;
  return contentWords(rest).length <= 2;
}

export function isNegative(normalized: string): boolean {
  const line = normalized.replace(LEAD_IN, "");
  if (!NO.test(line)) return false;
  return contentWords(line.replace(NO, "")).length <= 1;
}

// Leaving: a goodbye that is not part of a question still being asked ("can you recommend ... bye" is a question a
// recogniser ended with a stray word).
export function isGoodbye(normalized: string): boolean {
  if (!GOODBYE.test(normalized)) return false;
  if (!QUESTION_START.test(normalized.replace(LEAD_IN, ""))) return true;
  return contentWords(normalized.replace(GOODBYE, " ")).length < 2;
}

const THANKS = /\b(thanks|thank you|thank u|thankyou|appreciate it|appreciate that|i appreciate|much appreciated|cheers)\b/;
const PRAISE = new Set(
  "great perfect awesome wonderful lovely brilliant excellent helpful nice good fantastic amazing appreciate appreciated help helping super cool kind".split(
    " ",
  ),
);

// Thanks and nothing more to ask: "thank you so much", "oh that's helpful, thanks", "great, appreciate it".
export function isThanks(normalized: string): boolean {
  if (THANKS_ONLY.test(normalized)) return true;
  if (!THANKS.test(normalized) || QUESTION_START.test(normalized.replace(LEAD_IN, ""))) return false;
  const rest = normalized.replace(THANKS, " ");
  return contentWords(rest).every((w) => PRAISE.has(w.stem) || PRAISE.has(`${w.stem}e`));
}

// "Where are you?", "how do I get to you": the words that say so are stop words, so retrieval alone misses them.
export const LOCATION_INTENT =
  /\b(where (exactly |abouts )?(are|is) (you|your|the (office|clinic|shop|store|practice|surgery|building))|where (are )?you located|where can i find you|how (do|can) i (get|find) (to )?(you|there|your)|what is your address|your address)\b/;

const NUMBER_WORD =
  /^(\d+|zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|double|triple)$/;

// Nothing but numbers, outside a question that asked for one: most often a misrecognised line, not a request.
export function isOnlyNumbers(normalized: string): boolean {
  const tokens = normalized.split(" ").filter((t) => t !== "");
  return tokens.length > 0 && tokens.every((t) => NUMBER_WORD.test(t));
}
