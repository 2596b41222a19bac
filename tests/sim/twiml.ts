// Reads the TwiML a voice webhook answers with, as far as a simulated Twilio needs: the <Connect><Stream> to
// open, and every other verb as a plain record. A tiny XML reader: TwiML has no namespaces, CDATA or DTDs.

export type TTwimlNode = { name: string; attrs: Record<string, string>; children: TTwimlNode[]; text: string };

export type TTwimlVerb = { verb: string; attrs: Record<string, string>; text: string; children: TTwimlNode[] };

export type TTwimlStream = {
  url: string;
  name: string | null;
  parameters: Record<string, string>;
  // <Connect action=...>: where Twilio goes when the stream ends.
  connectAction: string | null;
  connectMethod: string;
};

export type TParsedTwiml = {
  stream: TTwimlStream | null;
  // Verbs before <Connect> (or all of them when there is none), and those after it.
  verbs: TTwimlVerb[];
  verbsAfterConnect: TTwimlVerb[];
};

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, code: string) => {
    if (code.startsWith("#x")) return String.fromCodePoint(parseInt(code.slice(2), 16));
    if (code.startsWith("#")) return String.fromCodePoint(parseInt(code.slice(1), 10));
    return ENTITIES[code] ?? whole;
  });
}

function parseAttrs(source: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const match of source.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    attrs[match[1]!] = decodeEntities(match[3] ?? match[4] ?? "");
  }
  return attrs;
}

export function parseXml(xml: string): TTwimlNode {
  const root: TTwimlNode = { name: "#document", attrs: {}, children: [], text: "" };
  const stack: TTwimlNode[] = [root];
  const body = xml.replace(/<\?[\s\S]*?\?>/g, "").replace(/<!--[\s\S]*?-->/g, "");
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^>]*?)?)\s*(\/?)>/g;
  let last = 0;
  for (let match = tag.exec(body); match; match = tag.exec(body)) {
    const top = stack[stack.length - 1]!;
    top.text += decodeEntities(body.slice(last, match.index));
    last = tag.lastIndex;
    const [, closing, name, attrSource, selfClosing] = match;
    if (closing) {
      if (top.name !== name) throw new Error(`Malformed TwiML: </${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const node: TTwimlNode = { name: name!, attrs: parseAttrs(attrSource ?? ""), children: [], text: "" };
    top.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`Malformed TwiML: <${stack[stack.length - 1]!.name}> is never closed`);
  if (body.slice(last).trim()) throw new Error("Malformed TwiML: text after the last element");
  return root;
}

function toVerb(node: TTwimlNode): TTwimlVerb {
  return { verb: node.name, attrs: node.attrs, text: node.text.trim(), children: node.children };
}

export function parseTwiml(xml: string): TParsedTwiml {
  const response = parseXml(xml).children.find((node) => node.name === "Response");
  if (!response) throw new Error("TwiML has no <Response> element");
  const verbs: TTwimlVerb[] = [];
  const verbsAfterConnect: TTwimlVerb[] = [];
  let stream: TTwimlStream | null = null;
  for (const node of response.children) {
    if (node.name === "Connect" && !stream) {
      const streamNode = node.children.find((child) => child.name === "Stream");
      if (!streamNode) throw new Error("<Connect> without a <Stream>");
      const url = streamNode.attrs.url;
      if (!url) throw new Error("<Stream> without a url");
      const parameters: Record<string, string> = {};
      for (const child of streamNode.children) {
        if (child.name === "Parameter" && child.attrs.name !== undefined) parameters[child.attrs.name] = child.attrs.value ?? "";
      }
      stream = {
        url,
        name: streamNode.attrs.name ?? null,
        parameters,
        connectAction: node.attrs.action ?? null,
        connectMethod: (node.attrs.method ?? "POST").toUpperCase(),
      };
      continue;
    }
    (stream ? verbsAfterConnect : verbs).push(toVerb(node));
  }
  return { stream, verbs, verbsAfterConnect };
}

// One line per verb, for reports: `Say "We're closed." | Record (maxLength=120) | Hangup`.
export function describeVerbs(verbs: TTwimlVerb[]): string {
  if (verbs.length === 0) return "(no verbs)";
  return verbs
    .map((verb) => {
      const text = verb.text ? ` "${verb.text}"` : "";
      const nested = verb.children
        .filter((child) => child.text.trim())
        .map((child) => `${child.name} ${child.text.trim()}`)
        .join(", ");
      const attrs = Object.entries(verb.attrs)
        .filter(([key]) => ["action", "maxLength", "timeout", "callerId"].includes(key))
        .map(([key, value]) => `${key}=${value}`)
        .join(" ");
      return `${verb.verb}${text}${nested ? ` [${nested}]` : ""}${attrs ? ` (${attrs})` : ""}`;
    })
    .join(" | ");
}
