// POST /api/v1/caller-data/erasures - record an erasure request and erase the caller's data (after a live call ends)
import { createErasureEndpoint } from "@/lib/api/endpoints/caller-data";
import { apiRoute } from "@/lib/auth/api-key";
import { toPrivacyRequestOut } from "@/lib/privacy/requests";
import { submitPrivacyRequest } from "@/lib/privacy/submit-request";
import { webPrivacyDeps } from "@/lib/privacy/web-deps";

export const POST = apiRoute(createErasureEndpoint, async ({ db, team, actor }, { body }) =>
  toPrivacyRequestOut(await submitPrivacyRequest(db, webPrivacyDeps(), { teamId: team.id, kind: "erasure", law: body.law, number: body.number, note: body.note, actor })),
);
