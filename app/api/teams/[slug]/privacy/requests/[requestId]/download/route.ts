// GET /api/teams/[slug]/privacy/requests/[requestId]/download - the zip of a caller data export, until it expires
import { teamRoute } from "@/lib/auth/entry-points";
import { exportDownloadResponse } from "@/lib/privacy/download-export";
import { webPrivacyDeps } from "@/lib/privacy/web-deps";

export const GET = teamRoute<{ slug: string; requestId: string }>("privacy.manage", async ({ db, team, actor }, _request, params) =>
  exportDownloadResponse(db, webPrivacyDeps().stores, { teamId: team.id, requestId: params.requestId, actor }),
);
