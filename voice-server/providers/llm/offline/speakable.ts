// Speakable text: what the agent says must read well aloud (no markdown, links or emoji; numbers in digit groups).

const ABBREVIATIONS: Array<[RegExp, string]> = [
  [/\ba\.m\./gi, "AM"],
  [/\bp\.m\./gi, "PM"],
  [/\be\.g\./gi, "for example"],
  [/\bi\.e\./gi, "that is"],
  [/\betc\./gi, "and so on"],
  [/\bvs\./gi, "versus"],
  [/\bapprox\./gi, "about"],
  [/\b(Dr|Mr|Mrs|Ms|St|Ave|Rd|No|Inc|Ltd|Co)\./g, "$1"],
];

// Turns pasted knowledge (markdown, lists, links) into plain sentences a voice can say.
export function toSpoken(text: string): string {
  let t = text
    .replace(/```[\s\S]*?```/g, " ")
    .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/https?:\/\/(?:www\.)?([^\s/]+)\S*/g, "$1")
    .replace(/\p{Extended_Pictographic}/gu, "")
    .replace(/\u200d|\ufe0f/g, "");
  for (const [re, rep] of ABBREVIATIONS) t = t.replace(re, rep);
  const lines = t
    .split(/\n/)
    .map((line) =>
      line
        .replace(/^\s{0,3}#{1,6}\s*/, "")
        .replace(/^\s*(?:[-*•+>]|\d{1,2}[.)])\s+/, "")
        .replace(/\|/g, ", ")
        .replace(/[*_`~]{1,3}/g, "")
        .replace(/\s+/g, " ")
        .replace(/^[,\s]+|[,\s]+$/g, "")
        .trim(),
    )
    .filter((line) => line !== "" && !/^[-=:,\s]+$/.test(line));
  return lines
    .map((line) => (/[.!?:;]$/.test(line) ? line : `${line}.`))
    .join(" ")
    .replace(/&/g, " and ")
    .replace(/\s+/g, " ")
    .trim();
}

export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?]["')\]]*)\s+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

// Reads a number digit by digit in groups: "5551234567" -> "5 5 5, 1 2 3, 4 5 6 7".
export function speakDigits(number: string): string {
  const digits = number.replace(/[^0-9]/g, "");
  const groups: string[] = [];
  let rest = digits;
  if (rest.length === 11 && rest.startsWith("1")) {
    groups.push("1");
    rest = rest.slice(1);
  }
  if (rest.length <= 4) groups.push(rest);
  else if (rest.length === 10) groups.push(rest.slice(0, 3), rest.slice(3, 6), rest.slice(6));
  else if (rest.length === 7) groups.push(rest.slice(0, 3), rest.slice(3));
  else for (let i = 0; i < rest.length; i += 3) groups.push(rest.slice(i, i + 3));
  const spoken = groups.map((g) => g.split("").join(" ")).join(", ");
  return number.startsWith("+") ? `plus ${spoken}` : spoken;
}

