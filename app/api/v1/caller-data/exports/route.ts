// POST /api/v1/caller-data/exports - record an access request and build the caller's export zip
import { createExportEndpoint } from "@/lib/api/endpoints/caller-data";
import { apiRoute } from "@/lib/auth/api-key";
import { toPrivacyRequestOut } from "@/lib/privacy/requests";
import { submitPrivacyRequest } from "@/lib/privacy/submit-request";
import { webPrivacyDeps } from "@/lib/privacy/web-deps";

export const POST = apiRoute(createExportEndpoint, async ({ db, team, actor }, { body }) =>
  toPrivacyRequestOut(await submitPrivacyRequest(db, webPrivacyDeps(), { teamId: team.id, kind: "export", law: body.law, number: body.number, note: body.note, actor })),
);
