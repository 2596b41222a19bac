// A caller who says what the call is about without asking anything yet ("I have a question about an invoice", "I'm
// calling about a refund"): the department whose "when to transfer" text names that kind of call takes it.
import type { TDepartment } from "@/lib/agents/config";
import { describedDepartment } from "./fallbacks";
import { routingConceptsOf } from "./routing";
import type { TContext } from "./state";
import { contentWords } from "./text";

// The caller says what the call is about without asking anything: what it is about, or null.
const MATTER =
  /^(?:(?:hi|hello|hey|yes|yeah|so|um|uh|well|ok|okay)\s+)*(?:i (?:have|had|have got|got) (?:a |an |some |one )?(?:quick |small |little )?(?:question|query|problem|issue|concern)s? (?:about|with|regarding|on|concerning)|(?:i am|i was|we are|we were|just) calling (?:about|regarding|concerning|with regard to)|(?:it is|this is|its) (?:about|regarding|concerning))\s+(.+)$/;
const ASKS = /\b(how|what|when|where|which|why|who|can i|could i|can you|could you|do you|does|is it|is there|are there|are you|should i|would you)\b/;
function statedMatter(normalized: string): string | null {
  const rest = MATTER.exec(normalized)?.[1];
  return rest && !ASKS.test(rest) ? rest : null;
}

// The department for the matter the caller stated; undefined when they stated none, asked something with it, or
// no department names that kind of call by a word of the caller's ("invoice", "appointment"; a shared noun such as
// "teeth" says nothing about who handles it).
export function departmentForMatter(ctx: TContext, normalized: string): TDepartment | undefined {
  const matter = statedMatter(normalized);
  if (matter === null) return undefined;
  const handler = describedDepartment(ctx, matter);
  const entry = handler && ctx.index.departments.find((d) => d.department === handler);
  if (!entry) return undefined;
  return contentWords(matter).some((w) => entry.terms.has(w.stem) && routingConceptsOf(w.stem).length > 0) ? handler : undefined;
}
