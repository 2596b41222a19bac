// Everyday ways of saying what a phone line is asked for, none of them using the word the business wrote ("fit me
// in" is booking, "where do I leave my car" is parking, "give me a ring" is a callback). A caller line that uses
// one has the phrase replaced by the plain word ("$&" keeps the phrase and adds the word), so retrieval, routing
// and intents see it, and the phrase's own words ("see the dentist") do not pull elsewhere. Unlike the synonym
// groups in concepts.ts, which also feed the recogniser's vocabulary, this table only reads what was said.
// Patterns run on normalizeText() output.

const PARAPHRASES: Array<[RegExp, string]> = [
  // "The dental office", "your plumbing company": the business itself, whose kind is no topic ("which street is the
  // dental office on" is not about "Delta Dental").
  [/\b(the|your|this|that|ur) (dental|dentist|dentists|medical|doctors?|vet|veterinary|law|legal|plumbing|plumbers?|repair|hair|beauty|auto|accounting|cleaning) (office|practice|clinic|surgery|shop|store|place|building|business|company|firm|salon|garage)\b/g, "$1 $3"],
  // "Can you tell the doctor I'll be late", "let her know we're on our way": news for someone is a message (before
  // "running late" below reads the news as a matter for the desk).
  [/\b(tell|let) (him|her|them|the \w+|my \w+|your \w+|dr \w+|doctor \w+) (know )?(that )?(i|we) (will|am|are|have|had|was|were|can|could|need|got|would)\b/, "$& message callback"],
  // Online services: "the site is down", "your app isn't loading" is an outage; "I can't log in" a sign-in problem;
  // an "error message" is an error, not a message to take.
  [/\b(site|website|web site|app|application|portal|platform|system|server|servers|service|page|dashboard)( is| are)?( still)? (down|not working|not loading|offline|broken|crashing|unavailable|not responding)\b|\b(is|are) (your|the) (site|website|app|portal|platform|system|servers?|service|dashboard) (down|offline|working|up)\b/, "$& service down outage"],
  [/\b(can not|cannot|unable to|could not|trouble|problem|problems|issue|issues) (to )?(log ?in|login|logging in|sign ?in|signing in|get into|access)\b/, "$& login password technical problem"],
  [/\berror (message|messages|code|codes)\b/, "error"],
  // Booking
  [/\b(fit|get|squeeze|pencil|book) (me|us|him|her|them|my \w+) in\b/, "appointment"],
  [/\b(see|visit) (the|a|your) (dentist|doctor|hygienist|orthodontist|specialist)\b/, "appointment"],
  [/\b(come|pop|stop) in (for|on|at|next|this|tomorrow|today|sometime)\b/, "appointment $2"],
  [/\bset (something|it|one|me|a time) up\b|\bset up (a|an) (visit|time|checkup|cleaning|exam)\b/, "appointment"],
  [/\b(next|first|earliest|soonest) (available|opening|open slot|free slot)\b/, "$& appointment"],
  [/\b(do you have|is there|have you got) (anything|an opening|a slot|room|space|any openings?) (on|this|next|tomorrow|today|in the|for)\b/, "appointment availability $3"],
  // "Any openings Friday?", "got any availability next week?": a free slot, not the opening hours.
  [/^(any|got any|are there any|you have any|do you have any) (openings?|availability|slots?|spots?|appointments?)\b/, "appointment availability"],
  [/\b(time|room|space|a slot|a spot) to (see|fit|squeeze|take) (me|us|him|her|them|my \w+)( in)?\b/, "appointment availability"],
  [/\bdue for (a|an|my|the)( \w+){0,3} (checkup|check up|cleaning|exam|visit)\b/, "$& appointment"],
  [/\b(to|can i|could i|may i|can we|could we) (come|get|pop|stop) in$|\bget in (for|on|at|next|this|tomorrow|today|sometime|to see)\b/, "$& appointment"],
  // Wanting to come in is wanting a visit: "I'd like to come in and get a filling", "we need to bring him in".
  [/\b(like|want|need|wanting|hoping|trying|have) to (come|get|pop|stop|bring (him|her|them|my \w+)) in (and|to|so)\b/, "$& appointment"],
  // "I'd like to get my teeth cleaned", "need to have his eyes checked": something done to them is a visit.
  [/\b(like|want|need|needs|wanting|hoping|trying|looking) to (get|have) (my|his|her|their|our|the( \w+)?) (\w+ ){0,2}(cleaned|checked|checked out|looked at|fixed|seen|done|examined|repaired|serviced|replaced|whitened|pulled|filled)\b/, "$& appointment"],
  // Asking for someone to come and do a job: "can you send someone out", "need a plumber to fix", "come take a look".
  [/\b(send|get|have) (someone|somebody|anyone|anybody|a (plumber|technician|tech|engineer|electrician|handyman|guy|person)) (out|over|round|around|to (come|look|fix|check|see|repair|install|replace|service))\b/, "$& appointment"],
  [/\b(can|could|would|will|when can|how soon can) (someone|somebody|anyone|anybody|you|a (plumber|technician|tech|engineer|electrician|handyman)) (come|get|swing|stop|pop) (out|over|round|around|by)\b/, "$& appointment"],
  [/\b(soonest|earliest|quickest) (someone|somebody|anyone|you|a \w+) (can|could) (come|get|be)\b/, "$& appointment"],
  [/\bcome (and |to )?(take|have) a look\b/, "$& appointment"],
  [/\b(need|want|like|looking for|get) (someone|somebody|a (plumber|technician|tech|engineer|electrician|handyman|professional)) to (fix|repair|install|replace|look at|check|service|unclog|unblock|clear|sort out|come)\b/, "$& appointment"],
  // Needing a treatment or a job done is wanting a visit: "I think I need a filling", "my car needs an oil change".
  [/\b(i|we|he|she|they|my \w+|our \w+)( think i| think we| might| may| probably| definitely)? (need|needs|am due for|is due for|are due for) (a|an|some|my|his|her|new)( \w+)? (filling|fillings|crown|cleaning|checkup|check up|exam|x ray|x rays|xray|extraction|root canal|implant|bridge|dentures?|haircut|cut|trim|colou?r|blow dry|massage|facial|consultation|oil change|tune up|inspection|service|repair|vaccination|vaccines?|shots?|physical|adjustment)\b/, "$& appointment"],
  // Changing or cancelling
  [/\b(can not|will not|would not|am not going to|not going to|unable to|no longer) (be able to )?(make|come|attend|keep) (it|in|my)\b/, "cancel appointment"],
  [/\b(call off|push back|push (it|my appointment|my \w+) back|bring forward|change the (time|date|day) of|change the (time|date|day)|switch my|swap my)\b/, "reschedule appointment"],
  [/\bsomething (came|has come|just came) up\b/, "$& cancel appointment"],
  [/\b(running|be|am|will be) (a bit |a little |about |around |like |maybe |probably )?(\w+ )?(minutes? |mins? )?(late|behind)\b/, "running late appointment"],
  // Hours
  [/\b(shut|shuts|lock up|locks up)\b/, "close"],
  [/\b(how late|how early|till when|until when|until what time|till what time|what days)\b/, "$& hours"],
  [/\bwhat time (do|does|will|are) (you|the office|the clinic|your office|the practice|they) (start|begin|finish|stop)\b/, "$& hours"],
  // "do you guys work on weekends?", "is anybody there in the evening?": being there on a day is being open.
  [/\b(are|is) (you|anyone|anybody|someone|somebody|the (office|clinic|shop|store|practice|dentist|doctor|team|staff))( guys| folks)? (in|there|around|working|staffed)(( on| in| at| during| over| this| next| the){0,2}) (weekends?|saturdays?|sundays?|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|evenings?|nights?|holidays?|lunch( time)?|mornings?|afternoons?)\b/, "$& open"],
  // "do you do evenings?": doing a time of the week is being open then.
  [/\b(do|does) (you|the (office|clinic|shop|store|practice|team|staff))( guys| folks)? (work|operate|do)(( on| in| at| during| over| this| next| the){0,2}) (weekends?|saturdays?|sundays?|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|evenings?|nights?|holidays?|mornings?|afternoons?)\b/, "$& open"],
  // "What's the latest I can come by?", "how early can I drop in?": the day's hours.
  [/\b(the )?(latest|earliest) (time )?(i|we|you|someone|somebody) (can|could|may) (come|get|stop|drop|pop|swing|call|be)\b/, "$& hours"],
  [/\bhow (late|early) (can|could|may) (i|we) (come|get|stop|drop|pop|swing|call)\b/, "$& hours"],
  // Location
  [/\bwhere (would|do|can|could|should|will|might) (i|we|you|one) (find|locate|see)\b|\bwhere (is|are) (it|you|the \w+|your \w+) (located|based|situated)\b/, "$& address"],
  [/\b(what|which) (part of town|area|neighborhood|neighbourhood|building|road|street|town|city|suburb|village|cross streets?|intersection)\b/, "address"],
  [/\b(find|locate|get to|get directions to) (you|you guys|your (office|clinic|practice|shop|place|building|location)|the (office|clinic|practice|shop|place|building))\b/, "$& address"],
  // "where you are" inside a longer line ("I'm trying to work out where you are", "not sure where your office is").
  [/\bwhere (you are|you guys are|you folks are|you all are|you are located|your (office|clinic|practice|shop|place|building) is|the (office|clinic|practice|shop|place|building) is)\b/, "$& address"],
  [/\b(whereabouts|how (do|would|can) i (get|find) (to )?(you|your place|your office|the office|the clinic))\b/, "address"],
  [/\btrying to find you\b/, "address"],
  // Getting here by public transport ("is there a bus stop nearby?", "which train do I take?"): the way to find
  // the business, answered with where it is; "close by" here is no closing time.
  [/\b(bus|buses|bus stop|train|trains|train station|subway|metro|tube|tram|light rail|public transport|public transportation|transit)\b/, "$& directions address"],
  [/\b(close by|close to you|close to the (office|clinic|practice|building))\b/, "nearby"],
  [/\bhow (do i |can i |would i |to |should i |will i )?(get|find|come) (to (you|your( \w+)?|the (office|clinic|shop|store|practice|building))|there)\b/, "address directions"],
  // Where a business that comes to you goes: "do you come out to Elmwood?", "do you service the suburbs?".
  [/\b(do|will|would|can) you (guys |folks )?((come|go|travel|drive) (out )?(to|as far as)|serve|work in|do work in)\b/, "$& area"],
  // Parking
  [/\b(leave|put|park|stash) (my|the|our) (car|vehicle|truck|van)\b/, "parking"],
  [/\b(somewhere|anywhere|place|room|space|spot) to park\b/, "parking"],
  // Prices
  [/\b(what|how much) (does|would|will|do|is) (.{0,40}?)\b(run|come to|set me back)\b/, "how much price $3"],
  [/\b(going rate|ballpark|out of pocket)\b/, "price"],
  // Insurance
  [/\b(in network|out of network|take my plan|accept my plan|dental plans?)\b/, "insurance"],
  [/\b(medicaid|medicare|ppo|hmo)\b/, "$& insurance"],
  // Billing: "I was charged" is a bill, "what do you charge" a price.
  [/\b(was|were|got|been|being) (over|double |wrongly |incorrectly )?charged\b/, "$1 overcharged bill"],
  [/\b(you|they|we) (over|double )charged\b/, "$1 overcharged bill"],
  [/\bcharged (me|us)\b/, "overcharged bill"],
  // Callbacks and messages
  [/\b(give me a (ring|call|buzz)|ring me|phone me|get back to me|return my call|leave word|pass (it|this|that|a message) (on|along)|let (them|him|her|the dentist|the doctor) know)\b/, "$& message callback"],
  [/\b(ask|have|get|tell) ([\w ]{1,30}?) to (call|ring|phone|contact|text) (me|us)\b/, "$& message callback"],
  [/\b(have|get|let) (someone|somebody|him|her|them|(the|your|my) \w+|dr \w+|doctor \w+) (call|ring|phone|text|email) (me|us)( back)?\b/, "$& message callback"],
  [/\b(tell|let) ([\w ]{1,30}?) (know )?(that )?i (called|rang|phoned|was calling|stopped by)\b/, "$& message callback"],
  // A person
  [/\b(staff member|member of staff|a live one)\b/, "representative"],
  // Emergencies in everyday words
  [/\b(killing me|can not stand it|through the roof)\b/, "pain"],
  [/\b(filling|crown|tooth|teeth|cap|bridge|veneer|implant|bracket|wire) (fell|came|popped|broke|snapped) (out|off)\b/, "$1 broken pain"],
  [/\b(tooth|teeth|crown|filling|implant) (is|are|feels|feel|got|went) (loose|wobbly)\b/, "$1 broken"],
  [/\b(pus|oozing|abscessed|gum boil)\b/, "infection"],
  // Bad breath is a condition to treat, not a caller who cannot breathe.
  [/\bbad breath\b/, "halitosis"],
  // Hurt by a vehicle or an animal: an injury, whoever was hurt and whatever hit them.
  [/\b(hit|struck|run over|ran over|knocked (down|over)|clipped|hurt|injured) by (a|an|the|some|another|his|her|their|our|my) (\w+ )?(car|truck|van|bus|vehicle|bike|bicycle|motorbike|motorcycle|scooter|lorry|taxi|train)\b/, "$& injured accident"],
  [/\b(got|was|been|were|get|gets|getting) (run over|ran over|hit|knocked down|struck)\b/, "$& injured accident"],
  [/\b(car|truck|van|bus|vehicle|bike|motorbike|motorcycle|scooter) (hit|struck|ran over|knocked down|knocked over) (him|her|them|it|me|us|my \w+|our \w+|his \w+|her \w+)\b/, "$& injured accident"],
  [/\b(attacked|bitten|bit|mauled|savaged|gored|stung) by\b|\bgot (in|into) a fight\b/, "$& injured"],
  // Swallowing something harmful is poisoning: medicines, household chemicals, and the foods that poison pets.
  [/\b(ate|eaten|eats|eating|swallowed|swallows|ingested|chewed|licked|drank|drunk|got into|has gotten into|has got into) (some |a |an |the |my |his |her |our |their |your |a bunch of |a lot of |a few |half a |half of |a whole |some of (the|my|our|his|her) |a box of |a bar of |a bottle of |a pack of )?(\w+ ){0,2}(chocolate|chocolates|grapes?|raisins?|xylitol|antifreeze|rat poison|mouse poison|slug pellets|poison|bleach|pills?|tablets?|medication|medications|medicine|medicines|meds|ibuprofen|advil|tylenol|paracetamol|aspirin|lily|lilies|onions?|garlic|cleaning products?|detergent|batteries|battery|weed killer|pesticide|fertilizer)\b/, "$& poisoning"],
  [/\b(ate|eaten|swallowed|ingested|got into|drank) something (he|she|it|they|i|we) (should not|shouldnt|should not have|was not supposed to)\b/, "$& poisoning"],
  [/\b(having|had|has|having had|just had) (a )?(fit|fits)\b/, "seizure"],
  [/\b(passed out|keeled over|blacked out|not moving|will not wake up|would not wake up|can not wake (him|her|them) up|is limp|went limp)\b/, "$& collapsed"],
  [/\b(throwing up|threw up|thrown up|being sick|puking|puked)\b/, "$& vomiting"],
];

export function expandParaphrases(normalized: string): string {
  let t = normalized;
  for (const [re, replacement] of PARAPHRASES) t = t.replace(re, replacement);
  return t === normalized ? normalized : t.replace(/\s+/g, " ").trim();
}
