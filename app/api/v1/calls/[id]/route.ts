// GET /api/v1/calls/{id} - one call with its transcript, events and analysis (each read is audited)
import { getCallEndpoint } from "@/lib/api/endpoints/calls";
import { toCallDetailOut } from "@/lib/api/serialize";
import { recordAudit } from "@/lib/audit/record-audit";
import { apiRoute } from "@/lib/auth/api-key";
import { getCall } from "@/lib/calls/get-call";

export const GET = apiRoute(getCallEndpoint, async ({ db, team, actor }, { params }) => {
  const call = await getCall(db, team.id, params.id);
  await recordAudit(db, { teamId: team.id, actor, action: "call.viewed", targetType: "call", targetId: call.id, metadata: { via: "api" } });
  return toCallDetailOut(call);
});
