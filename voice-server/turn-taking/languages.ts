// Word tables behind the turn-taking rules, one per language the builder offers (lib/agents/options.ts).
// They are data, not code: a language is added by filling a table, and the rules in completeness.ts,
// preemption.ts and backchannel.ts read nothing else. English is the most complete; the others cover the
// frequent cases (trailing function words, fillers, number words, backchannels, questions, data requests).

// "birthdate": a date that has a year ("date of birth"); "code": a short card code (expiry, CVV, last four digits).
export type TDataKind = "phone" | "email" | "date" | "birthdate" | "name" | "address" | "card" | "code" | "number";

export type TTurnLanguage = {
  code: string; // base language, e.g. "en"
  // A turn ending on one of these is mid-thought: conjunctions, prepositions, articles, determiners,
  // auxiliaries and copulas ("my number is ...").
  continuers: readonly string[];
  // Phrases that end a complete turn although their last word is a continuer ("I think so", "thank you").
  endingPhrases: readonly string[];
  // Subjects after which a trailing auxiliary is an elliptical answer ("yes I do", "it is"), not a cut sentence.
  ellipsisSubjects: readonly string[];
  // Hesitations. Mid-thought at the end of a turn; ignored when comparing transcripts.
  fillers: readonly string[];
  // Words that open a question.
  questionLeads: readonly string[];
  // Verbs that leave a request open when nothing follows them ("I'd like to book ...").
  openVerbs: readonly string[];
  // The word right before an open verb that makes it a request frame ("to book", "I book", "can I get").
  openVerbFrames: readonly string[];
  // Spoken digits (value 0-9) and tens, so dictated numbers can be counted.
  digitWords: Readonly<Record<string, number>>;
  // Multipliers in dictation: "double five" = 55.
  repeatWords: Readonly<Record<string, number>>;
  // Spoken symbols of an email address or similar: "at", "dot", "underscore".
  dataSymbols: readonly string[];
  // The word for "@" and "." in a spoken email address.
  emailAt: readonly string[];
  emailDot: readonly string[];
  months: readonly string[];
  // Day ordinals as words ("fifth", "twenty first" ends on "first"); "3rd" and "14th" are recognized as written.
  ordinals: readonly string[];
  // Words that, in the agent's question, announce the kind of data it asked for.
  dataRequests: readonly { kind: TDataKind; pattern: RegExp }[];
  // Acknowledgements that do not claim the floor. Multi-word entries are matched as phrases.
  backchannels: readonly string[];
  // Words that claim the floor when said over the agent, even alone; an agent's own backchannel list can
  // take one out. Hesitations are not here: a lone "um" over the agent is resumed.
  interrupters: readonly string[];
  // Contractions expanded before comparing two transcripts.
  expansions: Readonly<Record<string, string>>;
  // Words whose presence or absence never changes a reply (articles, politeness).
  ignorable: readonly string[];
  // Words that make even a short trailing phrase a data hand-off ("it's", "es").
  copulaLeads: readonly string[];
};

const EN: TTurnLanguage = {
  code: "en",
  continuers: [
    "and", "but", "or", "so", "because", "cause", "cuz", "then", "if", "which", "who", "whose", "where", "when",
    "while", "although", "though", "unless", "until", "than", "as", "nor", "plus", "whether",
    "to", "for", "at", "in", "on", "with", "from", "of", "about", "by", "into", "onto", "after", "before", "between",
    "around", "through", "without", "like", "via", "per", "towards", "toward", "near", "under", "over",
    "the", "a", "an", "my", "your", "our", "their", "his", "her", "its", "some", "any",
    "every", "each", "another", "next",
    "is", "are", "was", "were", "be", "been", "am", "it's", "i'm", "i'd", "i'll", "i've", "we're", "we'd", "you're",
    "that's", "there's", "it'll", "can", "could", "would", "will", "should", "shall", "might", "must", "do", "does",
    "did", "have", "has", "had", "want", "wanna", "gonna", "gotta", "need", "i", "we", "he", "she", "they",
    "let's", "just", "very",
  ],
  endingPhrases: [
    "think so", "hope so", "guess so", "believe so", "suppose so", "said so", "as well", "very well", "pretty well",
    "quite well", "doing well", "thank you", "that's it", "that's all", "that is all", "you too", "me too",
    "come in", "check in", "drop in", "sign in", "log in", "stop by", "come by", "drop by", "hold on", "go on",
    "what for", "that's right", "that's fine", "so so", "and so on", "or so",
  ],
  ellipsisSubjects: ["i", "we", "you", "he", "she", "it", "they", "that", "there", "this", "yes", "no"],
  fillers: ["um", "umm", "uh", "uhh", "er", "erm", "ah", "eh", "hmm", "hm", "mm", "uhm", "well", "like", "so", "you know", "i mean"],
  questionLeads: [
    "what", "what's", "whats", "where", "where's", "when", "when's", "why", "who", "who's", "how", "how's", "which",
    "whose", "do", "does", "did", "can", "could", "would", "will", "is", "are", "was", "were", "should", "shall",
    "may", "might", "have", "has", "any", "isn't", "aren't", "don't", "doesn't", "didn't", "can't", "won't",
  ],
  openVerbs: [
    "book", "schedule", "make", "get", "order", "ask", "know", "speak", "talk", "see", "buy", "reserve", "find",
    "check", "change", "move", "cancel", "set", "arrange", "request", "leave", "give", "tell", "pay", "confirm",
    "update", "add", "bring", "send", "find out",
  ],
  openVerbFrames: ["to", "i", "we", "you", "can", "could", "please", "wanna", "gotta", "gonna", "i'd", "like", "and"],
  digitWords: {
    zero: 0, oh: 0, o: 0, nought: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9,
    ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17,
    eighteen: 18, nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80,
    ninety: 90, hundred: 100,
  },
  repeatWords: { double: 2, triple: 3 },
  dataSymbols: ["at", "dot", "underscore", "dash", "hyphen", "period", "point", "slash", "plus", "hash"],
  emailAt: ["at"],
  emailDot: ["dot", "period", "point"],
  months: [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
  ],
  ordinals: [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
    "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
    "twentieth", "thirtieth",
  ],
  dataRequests: [
    { kind: "email", pattern: /\be-?mail\b/ },
    { kind: "code", pattern: /\b(expiry|expiration|cvv|cvc|security code|last (four|4) digits|pin)\b/ },
    { kind: "card", pattern: /\b(card number|credit card|debit card|card details)\b/ },
    // Also the caller's own words: "my number is", "call me on".
    { kind: "phone", pattern: /\b(phone|number to (reach|call)|call(back)? number|mobile|cell|reach you|call you back|contact number|(my|your) number|(call|reach|text) me (on|at))\b/ },
    { kind: "birthdate", pattern: /\b(birthday|date of birth|dob|born)\b/ },
    { kind: "date", pattern: /\b(date|what day|which day|when would|when do you|when did|what time)\b/ },
    { kind: "address", pattern: /\b(address|postcode|post code|zip|zip code|postal code)\b/ },
    { kind: "name", pattern: /\b(your name|full name|first name|last name|surname|spell|who am i speaking|who's calling|may i have your name)\b/ },
    { kind: "number", pattern: /\b(account number|order number|reference|confirmation number|policy number|member(ship)? number|booking number|how many)\b/ },
  ],
  backchannels: [
    "uh-huh", "uh huh", "uhuh", "mm-hmm", "mm hmm", "mhm", "mmhmm", "mm", "mmm", "hmm", "hm", "okay", "ok", "o.k", "k",
    "right", "yeah", "yes", "yep", "yup", "ya", "yah", "sure", "i see", "got it", "gotcha", "alright", "all right",
    "cool", "great", "oh", "ah", "aha", "oh okay", "oh ok", "oh right", "oh i see", "oh yeah", "exactly", "totally",
    "of course", "perfect", "good", "nice", "fine", "sounds good", "makes sense", "true", "indeed",
  ],
  interrupters: [
    "wait", "stop", "hold", "hang", "sorry", "actually", "no", "nope", "excuse", "pardon", "what", "hello", "but",
    "however", "listen", "hey",
  ],
  expansions: {
    "what's": "what is", "whats": "what is", "where's": "where is", "when's": "when is", "who's": "who is",
    "how's": "how is", "it's": "it is", "that's": "that is", "there's": "there is", "i'm": "i am", "i'd": "i would",
    "i'll": "i will", "i've": "i have", "you're": "you are", "we're": "we are", "they're": "they are",
    "don't": "do not", "doesn't": "does not", "didn't": "did not", "can't": "can not", "cannot": "can not",
    "won't": "will not", "isn't": "is not", "aren't": "are not", "wasn't": "was not", "couldn't": "could not",
    "wouldn't": "would not", "shouldn't": "should not", "let's": "let us", "wanna": "want to", "gonna": "going to",
    "ok": "okay", "o.k": "okay", "alright": "all right",
  },
  ignorable: ["a", "an", "the", "please", "just", "um", "umm", "uh", "uhh", "er", "erm", "ah", "eh", "hmm", "hm", "mm", "uhm", "oh"],
  copulaLeads: ["it's", "its", "is", "it", "that's", "are", "was"],
};

const ES: TTurnLanguage = {
  code: "es",
  ordinals: [],
  endingPhrases: [],
  ellipsisSubjects: [],
  continuers: [
    "y", "e", "o", "u", "pero", "porque", "que", "si", "entonces", "cuando", "donde", "como", "aunque", "para", "por",
    "a", "al", "de", "del", "en", "con", "sin", "sobre", "hasta", "desde", "el", "la", "los", "las", "un", "una",
    "unos", "unas", "mi", "mis", "su", "sus", "tu", "tus", "nuestro", "nuestra", "este", "esta", "es", "son", "está",
    "era", "quiero", "quisiera", "necesito", "puedo", "puede", "me", "se", "lo", "le", "no", "muy", "más",
  ],
  fillers: ["eh", "em", "este", "pues", "bueno", "o sea", "mmm", "ehh", "hmm"],
  questionLeads: ["qué", "que", "dónde", "donde", "cuándo", "cuando", "por qué", "quién", "quien", "cómo", "como", "cuál", "cual", "cuánto", "cuanto", "cuánta", "puedo", "puede", "pueden", "hay", "tienen", "tiene", "es", "está"],
  openVerbs: ["reservar", "pedir", "hacer", "saber", "hablar", "cambiar", "cancelar", "comprar", "preguntar", "ver", "agendar", "dejar", "confirmar", "pagar"],
  openVerbFrames: ["quiero", "quisiera", "necesito", "puedo", "podría", "me", "gustaría", "para", "a", "de"],
  digitWords: { cero: 0, uno: 1, una: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9, diez: 10, veinte: 20, treinta: 30, cuarenta: 40, cincuenta: 50, sesenta: 60, setenta: 70, ochenta: 80, noventa: 90, cien: 100 },
  repeatWords: { doble: 2 },
  dataSymbols: ["arroba", "punto", "guion", "guión", "barra", "más"],
  emailAt: ["arroba"],
  emailDot: ["punto"],
  months: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "setiembre", "octubre", "noviembre", "diciembre"],
  dataRequests: [
    { kind: "email", pattern: /\b(correo|e-?mail|email)\b/ },
    { kind: "phone", pattern: /\b(teléfono|telefono|número de contacto|celular|móvil|movil)\b/ },
    { kind: "date", pattern: /\b(fecha|qué día|que dia|cuándo|cuando|cumpleaños|hora)\b/ },
    { kind: "address", pattern: /\b(dirección|direccion|código postal|codigo postal)\b/ },
    { kind: "name", pattern: /\b(su nombre|tu nombre|nombre completo|apellido|deletrear)\b/ },
    { kind: "number", pattern: /\b(número de|numero de|referencia|cuántos|cuantos)\b/ },
  ],
  backchannels: ["ajá", "aja", "sí", "si", "vale", "claro", "ok", "okay", "bueno", "ya", "entiendo", "exacto", "mhm", "mm", "perfecto", "de acuerdo", "ah", "ah vale", "ah ya", "sí sí", "muy bien", "está bien", "bien"],
  interrupters: ["espere", "espera", "para", "perdón", "perdone", "disculpe", "no", "oiga", "oye", "pero", "momento", "qué", "un momento"],
  expansions: { ok: "okay", "sí": "si" },
  ignorable: ["el", "la", "los", "las", "un", "una", "por favor", "eh", "em", "mmm", "ehh", "hmm", "pues"],
  copulaLeads: ["es", "son", "está"],
};

const FR: TTurnLanguage = {
  code: "fr",
  ordinals: [],
  endingPhrases: [],
  ellipsisSubjects: [],
  continuers: [
    "et", "mais", "ou", "donc", "parce", "que", "qu'", "si", "alors", "quand", "comme", "pour", "à", "a", "au", "aux",
    "de", "du", "des", "en", "dans", "avec", "sans", "sur", "chez", "le", "la", "les", "l'", "un", "une", "mon", "ma",
    "mes", "votre", "vos", "notre", "ce", "cet", "cette", "est", "c'est", "sont", "je", "j'", "voudrais", "veux",
    "aimerais", "dois", "peux", "pourrais", "très", "plus", "pas",
  ],
  fillers: ["euh", "heu", "ben", "bah", "hum", "hmm", "bon", "enfin", "genre", "eh"],
  questionLeads: ["qu'est-ce", "quoi", "où", "quand", "pourquoi", "qui", "comment", "quel", "quelle", "quels", "quelles", "combien", "est-ce", "est-ce que", "pouvez-vous", "puis-je", "avez-vous", "êtes-vous", "c'est"],
  openVerbs: ["réserver", "prendre", "avoir", "savoir", "parler", "changer", "annuler", "acheter", "demander", "voir", "laisser", "confirmer", "payer", "faire"],
  openVerbFrames: ["voudrais", "veux", "aimerais", "dois", "peux", "pourrais", "je", "pour", "de", "d'"],
  digitWords: { zéro: 0, zero: 0, un: 1, une: 1, deux: 2, trois: 3, quatre: 4, cinq: 5, six: 6, sept: 7, huit: 8, neuf: 9, dix: 10, vingt: 20, trente: 30, quarante: 40, cinquante: 50, soixante: 60, cent: 100 },
  repeatWords: { double: 2 },
  dataSymbols: ["arobase", "point", "tiret", "underscore", "slash", "plus"],
  emailAt: ["arobase"],
  emailDot: ["point"],
  months: ["janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août", "aout", "septembre", "octobre", "novembre", "décembre", "decembre"],
  dataRequests: [
    { kind: "email", pattern: /\b(e-?mail|courriel|adresse mail|adresse e-mail)\b/ },
    { kind: "phone", pattern: /\b(téléphone|telephone|portable|numéro de contact|joindre)\b/ },
    { kind: "date", pattern: /\b(date|quel jour|quand|anniversaire|heure)\b/ },
    { kind: "address", pattern: /\b(adresse|code postal)\b/ },
    { kind: "name", pattern: /\b(votre nom|nom complet|prénom|prenom|épeler|epeler)\b/ },
    { kind: "number", pattern: /\b(numéro de|numero de|référence|reference|combien)\b/ },
  ],
  backchannels: ["oui", "ouais", "d'accord", "ok", "okay", "hmm", "mm", "mhm", "ah", "ah bon", "ah oui", "je vois", "bien sûr", "voilà", "exactement", "parfait", "très bien", "entendu", "super", "oui oui", "bien"],
  interrupters: ["attendez", "attends", "pardon", "excusez", "non", "stop", "mais", "en fait", "quoi", "allô", "allo"],
  expansions: { ok: "okay" },
  ignorable: ["le", "la", "les", "l'", "un", "une", "s'il vous plaît", "euh", "heu", "hum", "hmm", "ben", "bah"],
  copulaLeads: ["est", "c'est", "sont"],
};

const DE: TTurnLanguage = {
  code: "de",
  ordinals: [],
  endingPhrases: [],
  ellipsisSubjects: [],
  continuers: [
    "und", "aber", "oder", "also", "weil", "dass", "wenn", "ob", "dann", "als", "wie", "denn", "sondern", "zu", "zum",
    "zur", "für", "fur", "an", "am", "auf", "in", "im", "mit", "von", "vom", "bei", "beim", "nach", "aus", "über",
    "um", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "mein", "meine",
    "meinen", "ihr", "ihre", "unser", "ist", "sind", "war", "ich", "möchte", "mochte", "will", "muss", "kann",
    "könnte", "würde", "hätte", "gerne", "gern", "sehr", "noch", "nicht",
  ],
  fillers: ["äh", "ähm", "ah", "hm", "hmm", "öh", "also", "na ja", "naja", "halt", "eh", "em"],
  questionLeads: ["was", "wo", "wann", "warum", "wieso", "weshalb", "wer", "wie", "welche", "welcher", "welches", "wieviel", "wie viel", "haben", "hat", "ist", "sind", "kann", "können", "gibt", "darf", "machen"],
  openVerbs: ["buchen", "reservieren", "machen", "bestellen", "wissen", "sprechen", "reden", "ändern", "andern", "absagen", "stornieren", "kaufen", "fragen", "vereinbaren", "bezahlen", "bestätigen", "hinterlassen"],
  openVerbFrames: ["möchte", "mochte", "will", "muss", "kann", "würde", "zu", "gerne", "gern", "ich"],
  digitWords: { null: 0, eins: 1, ein: 1, zwei: 2, zwo: 2, drei: 3, vier: 4, fünf: 5, funf: 5, sechs: 6, sieben: 7, acht: 8, neun: 9, zehn: 10, zwanzig: 20, dreißig: 30, vierzig: 40, fünfzig: 50, hundert: 100 },
  repeatWords: { doppel: 2, doppelt: 2 },
  dataSymbols: ["at", "punkt", "bindestrich", "unterstrich", "minus", "schrägstrich", "plus"],
  emailAt: ["at", "ät"],
  emailDot: ["punkt"],
  months: ["januar", "jänner", "februar", "märz", "marz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember"],
  dataRequests: [
    { kind: "email", pattern: /\b(e-?mail|mailadresse)\b/ },
    { kind: "phone", pattern: /\b(telefon|telefonnummer|handy|rückrufnummer|erreichen)\b/ },
    { kind: "date", pattern: /\b(datum|welcher tag|welchen tag|wann|geburtstag|geburtsdatum|uhrzeit)\b/ },
    { kind: "address", pattern: /\b(adresse|anschrift|postleitzahl|plz)\b/ },
    { kind: "name", pattern: /\b(ihr name|ihren namen|vorname|nachname|buchstabieren)\b/ },
    { kind: "number", pattern: /\b(nummer|kundennummer|bestellnummer|referenz|wie viele)\b/ },
  ],
  backchannels: ["ja", "jaja", "ja ja", "okay", "ok", "genau", "mhm", "mm", "hm", "aha", "ach so", "achso", "klar", "richtig", "stimmt", "gut", "super", "verstehe", "ich verstehe", "alles klar", "in ordnung", "prima", "ah", "ah ja", "sicher"],
  interrupters: ["warten", "warte", "moment", "stopp", "halt", "entschuldigung", "nein", "aber", "eigentlich", "was", "hallo"],
  expansions: { ok: "okay", "gibt's": "gibt es", "geht's": "geht es" },
  ignorable: ["der", "die", "das", "den", "dem", "ein", "eine", "einen", "bitte", "äh", "ähm", "hm", "hmm", "öh"],
  copulaLeads: ["ist", "sind", "lautet"],
};

const IT: TTurnLanguage = {
  code: "it",
  ordinals: [],
  endingPhrases: [],
  ellipsisSubjects: [],
  continuers: [
    "e", "ed", "ma", "o", "oppure", "perché", "perche", "che", "se", "quindi", "allora", "quando", "come", "per", "a",
    "al", "alla", "di", "del", "della", "da", "dal", "in", "nel", "con", "su", "il", "lo", "la", "i", "gli", "le",
    "un", "uno", "una", "mio", "mia", "suo", "sua", "è", "sono", "era", "vorrei", "voglio", "devo", "posso", "molto", "non",
  ],
  fillers: ["ehm", "eh", "mmm", "allora", "cioè", "cioe", "tipo", "insomma", "boh", "hmm"],
  questionLeads: ["cosa", "che", "dove", "quando", "perché", "perche", "chi", "come", "quale", "quali", "quanto", "quanti", "posso", "potete", "può", "avete", "c'è", "ci sono", "è"],
  openVerbs: ["prenotare", "fissare", "fare", "sapere", "parlare", "cambiare", "annullare", "disdire", "comprare", "chiedere", "vedere", "lasciare", "confermare", "pagare"],
  openVerbFrames: ["vorrei", "voglio", "devo", "posso", "potrei", "per", "di", "a"],
  digitWords: { zero: 0, uno: 1, una: 1, due: 2, tre: 3, quattro: 4, cinque: 5, sei: 6, sette: 7, otto: 8, nove: 9, dieci: 10, venti: 20, trenta: 30, quaranta: 40, cinquanta: 50, cento: 100 },
  repeatWords: { doppio: 2 },
  dataSymbols: ["chiocciola", "punto", "trattino", "underscore", "barra", "più"],
  emailAt: ["chiocciola"],
  emailDot: ["punto"],
  months: ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"],
  dataRequests: [
    { kind: "email", pattern: /\b(e-?mail|posta elettronica)\b/ },
    { kind: "phone", pattern: /\b(telefono|cellulare|numero di contatto|richiamare)\b/ },
    { kind: "date", pattern: /\b(data|che giorno|quale giorno|quando|compleanno|ora)\b/ },
    { kind: "address", pattern: /\b(indirizzo|cap|codice postale)\b/ },
    { kind: "name", pattern: /\b(suo nome|tuo nome|nome completo|cognome|compitare)\b/ },
    { kind: "number", pattern: /\b(numero di|riferimento|quanti|quante)\b/ },
  ],
  backchannels: ["sì", "si", "certo", "ok", "okay", "va bene", "d'accordo", "capisco", "esatto", "perfetto", "mhm", "mm", "ah", "ah ok", "ho capito", "giusto", "bene", "sì sì", "chiaro"],
  interrupters: ["aspetti", "aspetta", "scusi", "scusa", "no", "ma", "un attimo", "momento", "cosa", "pronto"],
  expansions: { ok: "okay", "sì": "si" },
  ignorable: ["il", "lo", "la", "i", "gli", "le", "un", "uno", "una", "per favore", "ehm", "eh", "mmm", "hmm"],
  copulaLeads: ["è", "sono"],
};

const PT: TTurnLanguage = {
  code: "pt",
  ordinals: [],
  endingPhrases: [],
  ellipsisSubjects: [],
  continuers: [
    "e", "mas", "ou", "porque", "que", "se", "então", "entao", "quando", "como", "para", "pra", "por", "a", "ao", "à",
    "de", "do", "da", "dos", "das", "em", "no", "na", "com", "sem", "sobre", "o", "os", "as", "um", "uma", "meu",
    "minha", "seu", "sua", "é", "são", "era", "está", "quero", "queria", "gostaria", "preciso", "posso", "muito", "não",
  ],
  fillers: ["é", "hã", "ahn", "hum", "hmm", "tipo", "então", "entao", "bom", "né", "eh"],
  questionLeads: ["o que", "que", "onde", "quando", "por que", "porque", "quem", "como", "qual", "quais", "quanto", "quantos", "posso", "pode", "vocês", "voces", "tem", "é", "está"],
  openVerbs: ["marcar", "agendar", "reservar", "fazer", "saber", "falar", "mudar", "cancelar", "comprar", "perguntar", "ver", "deixar", "confirmar", "pagar"],
  openVerbFrames: ["quero", "queria", "gostaria", "preciso", "posso", "poderia", "de", "para", "pra"],
  digitWords: { zero: 0, um: 1, uma: 1, dois: 2, duas: 2, três: 3, tres: 3, quatro: 4, cinco: 5, seis: 6, meia: 6, sete: 7, oito: 8, nove: 9, dez: 10, vinte: 20, trinta: 30, quarenta: 40, cinquenta: 50, cem: 100 },
  repeatWords: { duplo: 2 },
  dataSymbols: ["arroba", "ponto", "traço", "traco", "hífen", "underline", "barra", "mais"],
  emailAt: ["arroba"],
  emailDot: ["ponto"],
  months: ["janeiro", "fevereiro", "março", "marco", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"],
  dataRequests: [
    { kind: "email", pattern: /\b(e-?mail|correio eletrônico)\b/ },
    { kind: "phone", pattern: /\b(telefone|celular|número de contato|whatsapp)\b/ },
    { kind: "date", pattern: /\b(data|que dia|qual dia|quando|aniversário|horário|hora)\b/ },
    { kind: "address", pattern: /\b(endereço|endereco|cep|código postal)\b/ },
    { kind: "name", pattern: /\b(seu nome|nome completo|sobrenome|soletrar)\b/ },
    { kind: "number", pattern: /\b(número do|numero do|número de|protocolo|quantos|quantas)\b/ },
  ],
  backchannels: ["sim", "aham", "uhum", "tá", "ta", "tá bom", "ok", "okay", "certo", "claro", "entendi", "sei", "isso", "exato", "beleza", "perfeito", "ah", "ah tá", "hum", "mhm", "sim sim", "com certeza", "legal"],
  interrupters: ["espera", "espere", "desculpa", "desculpe", "não", "nao", "mas", "peraí", "perai", "na verdade", "oi", "alô", "alo"],
  expansions: { ok: "okay", "tá": "ta", "pra": "para" },
  ignorable: ["o", "a", "os", "as", "um", "uma", "por favor", "hã", "ahn", "hum", "hmm", "eh"],
  copulaLeads: ["é", "são", "está"],
};

const NL: TTurnLanguage = {
  code: "nl",
  ordinals: [],
  endingPhrases: [],
  ellipsisSubjects: [],
  continuers: [
    "en", "maar", "of", "dus", "omdat", "want", "dat", "als", "dan", "wanneer", "hoewel", "om", "te", "voor", "aan",
    "op", "in", "met", "van", "bij", "naar", "uit", "over", "de", "het", "een", "mijn", "uw", "jouw", "ons", "onze",
    "deze", "die", "is", "zijn", "was", "ik", "wil", "zou", "graag", "moet", "kan", "kunnen", "heel", "niet",
  ],
  fillers: ["eh", "ehm", "uh", "uhm", "hm", "hmm", "nou", "zeg maar", "dus", "eigenlijk"],
  questionLeads: ["wat", "waar", "wanneer", "waarom", "wie", "hoe", "welke", "hoeveel", "kan", "kunt", "kunnen", "heeft", "hebben", "is", "zijn", "mag", "doen"],
  openVerbs: ["boeken", "reserveren", "maken", "bestellen", "weten", "spreken", "praten", "wijzigen", "veranderen", "annuleren", "afzeggen", "kopen", "vragen", "inplannen", "betalen", "bevestigen", "achterlaten"],
  openVerbFrames: ["wil", "zou", "graag", "moet", "kan", "te", "ik"],
  digitWords: { nul: 0, een: 1, één: 1, twee: 2, drie: 3, vier: 4, vijf: 5, zes: 6, zeven: 7, acht: 8, negen: 9, tien: 10, twintig: 20, dertig: 30, veertig: 40, vijftig: 50, honderd: 100 },
  repeatWords: { dubbel: 2 },
  dataSymbols: ["apenstaartje", "at", "punt", "streepje", "liggend streepje", "underscore", "slash", "plus"],
  emailAt: ["apenstaartje", "at"],
  emailDot: ["punt"],
  months: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"],
  dataRequests: [
    { kind: "email", pattern: /\b(e-?mail|mailadres)\b/ },
    { kind: "phone", pattern: /\b(telefoon|telefoonnummer|mobiel|terugbellen|bereiken)\b/ },
    { kind: "date", pattern: /\b(datum|welke dag|wanneer|verjaardag|geboortedatum|hoe laat)\b/ },
    { kind: "address", pattern: /\b(adres|postcode)\b/ },
    { kind: "name", pattern: /\b(uw naam|je naam|volledige naam|achternaam|voornaam|spellen)\b/ },
    { kind: "number", pattern: /\b(nummer|klantnummer|ordernummer|referentie|hoeveel)\b/ },
  ],
  backchannels: ["ja", "jaja", "ja ja", "oké", "oke", "ok", "okay", "precies", "mhm", "hm", "hmm", "aha", "o", "oh", "ah", "ah ja", "klopt", "goed", "prima", "begrijp ik", "ik snap het", "zeker", "natuurlijk", "juist", "helemaal goed"],
  interrupters: ["wacht", "stop", "sorry", "pardon", "nee", "maar", "eigenlijk", "wat", "hallo", "momentje"],
  expansions: { ok: "okay", "oké": "okay", "oke": "okay" },
  ignorable: ["de", "het", "een", "alstublieft", "alsjeblieft", "eh", "ehm", "uh", "uhm", "hm", "hmm"],
  copulaLeads: ["is", "zijn"],
};

// Hindi callers mix Devanagari and romanized words (Deepgram returns either); both spellings are listed.
const HI: TTurnLanguage = {
  code: "hi",
  ordinals: [],
  endingPhrases: [],
  ellipsisSubjects: [],
  continuers: [
    "और", "लेकिन", "या", "तो", "क्योंकि", "कि", "अगर", "के", "का", "की", "को", "से", "में", "पर", "मेरा", "मेरी",
    "aur", "lekin", "ya", "to", "kyunki", "ki", "agar", "ke", "ka", "ko", "se", "mein", "par", "mera", "meri",
  ],
  fillers: ["अं", "हम्म", "मतलब", "वो", "um", "hmm", "matlab", "woh", "haan to", "uh"],
  questionLeads: ["क्या", "कहाँ", "कब", "क्यों", "कौन", "कैसे", "कितना", "kya", "kahan", "kab", "kyun", "kaun", "kaise", "kitna", "what", "where", "when", "how"],
  openVerbs: ["बुक", "करना", "book", "karna", "karni", "lena", "puchna", "baat"],
  openVerbFrames: ["mujhe", "मुझे", "main", "मैं", "to"],
  digitWords: { शून्य: 0, एक: 1, दो: 2, तीन: 3, चार: 4, पांच: 5, पाँच: 5, छह: 6, सात: 7, आठ: 8, नौ: 9, shunya: 0, ek: 1, do: 2, teen: 3, char: 4, paanch: 5, chhe: 6, saat: 7, aath: 8, nau: 9, zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9 },
  repeatWords: { double: 2, triple: 3 },
  dataSymbols: ["at", "dot", "underscore", "dash"],
  emailAt: ["at"],
  emailDot: ["dot"],
  months: ["जनवरी", "फरवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"],
  dataRequests: [
    { kind: "email", pattern: /(ईमेल|e-?mail)/ },
    { kind: "phone", pattern: /(फ़ोन|फोन|मोबाइल|phone|mobile|number)/ },
    { kind: "date", pattern: /(तारीख|दिन|कब|date|tareekh|kab)/ },
    { kind: "address", pattern: /(पता|pincode|address|pata)/ },
    { kind: "name", pattern: /(नाम|naam|name)/ },
  ],
  backchannels: ["हाँ", "हां", "जी", "जी हाँ", "अच्छा", "ठीक है", "ठीक", "हम्म", "ओके", "haan", "han", "ji", "ji haan", "accha", "achha", "theek hai", "thik hai", "hmm", "ok", "okay", "right", "yes", "sahi"],
  interrupters: ["रुकिए", "रुको", "सुनिए", "नहीं", "लेकिन", "ruko", "rukiye", "suniye", "nahi", "nahin", "lekin", "wait", "sorry", "excuse"],
  expansions: { ok: "okay", "ओके": "okay", han: "haan", "हां": "हाँ", achha: "accha", "thik hai": "theek hai" },
  ignorable: ["um", "uh", "hmm", "अं", "हम्म"],
  copulaLeads: ["है", "hai"],
};

const LANGUAGES: Record<string, TTurnLanguage> = { en: EN, es: ES, fr: FR, de: DE, it: IT, pt: PT, nl: NL, hi: HI };

// "en-US" -> the English table. An unknown language falls back to English, whose rules are the most cautious
// about cutting a caller off, rather than failing a live call.
export function turnLanguage(language: string): TTurnLanguage {
  const base = language.trim().toLowerCase().split(/[-_]/)[0] ?? "en";
  return LANGUAGES[base] ?? EN;
}

export const SUPPORTED_TURN_LANGUAGES: readonly string[] = Object.keys(LANGUAGES);
