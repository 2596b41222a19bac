import { Badge } from "@/components/ui/card";
import { OUTCOME_LABEL, OUTCOME_TONE, SENTIMENT_ICON, SENTIMENT_TONE } from "./format";

export function OutcomeBadge({ outcome, isLive }: { outcome: string | null; isLive?: boolean }) {
  if (isLive) return <Badge tone="brand">Live</Badge>;
  if (!outcome) return <span className="text-slate-400">—</span>;
  return <Badge tone={OUTCOME_TONE[outcome] ?? "slate"}>{OUTCOME_LABEL[outcome] ?? outcome}</Badge>;
}

export function SentimentBadge({ sentiment, score }: { sentiment: string | null; score?: number | null }) {
  if (!sentiment) return <span className="text-slate-400">—</span>;
  return (
    <Badge tone={SENTIMENT_TONE[sentiment] ?? "slate"}>
      <span aria-hidden className="mr-1">{SENTIMENT_ICON[sentiment]}</span>
      {sentiment.charAt(0).toUpperCase() + sentiment.slice(1)}
      {score !== undefined && score !== null ? ` (${score > 0 ? "+" : ""}${score.toFixed(2)})` : ""}
    </Badge>
  );
}
