// GET /api/v1/retention-policy - the team's retention periods, last purge and next purge; PATCH - change periods
import { getRetentionPolicyEndpoint, updateRetentionPolicyEndpoint } from "@/lib/api/endpoints/retention";
import { toRetentionPolicyOut } from "@/lib/api/serialize-retention";
import { apiRoute } from "@/lib/auth/api-key";
import { AppError } from "@/lib/errors";
import { loadRetentionPolicy, parsePolicyPatch, saveRetentionPolicy } from "@/lib/retention/policy";
import { loadRetentionSummary } from "@/lib/retention/summary";

export const GET = apiRoute(getRetentionPolicyEndpoint, async ({ db, team }) => toRetentionPolicyOut(await loadRetentionSummary(db, team.id)));

export const PATCH = apiRoute(updateRetentionPolicyEndpoint, async ({ db, team, actor }, { body }) => {
  const current = await loadRetentionPolicy(db, team.id);
  const parsed = parsePolicyPatch(current, {
    recordings: body.recordings_days,
    transcripts: body.transcripts_days,
    calls: body.calls_days,
    messages: body.messages_days,
    webhookPayloads: body.webhook_payloads_days,
    testCalls: body.test_calls_days,
  });
  if (!parsed.success) {
    const field = { recordings: "recordings_days", transcripts: "transcripts_days", calls: "calls_days" } as Record<string, string>;
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map((p) => field[String(p)] ?? String(p)), message: i.message, code: i.code }));
    throw new AppError("bad_request", `Invalid body ${issues[0]?.path.join(".") ?? ""}: ${issues[0]?.message ?? "invalid"}`, { issues });
  }
  await saveRetentionPolicy(db, team.id, actor, parsed.data);
  return toRetentionPolicyOut(await loadRetentionSummary(db, team.id));
});
