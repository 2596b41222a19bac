// GET /api/v1/caller-data/requests/{id}/download - the export's zip (audited), until it expires
import { downloadExportEndpoint } from "@/lib/api/endpoints/caller-data";
import { apiRoute } from "@/lib/auth/api-key";
import { exportDownloadResponse } from "@/lib/privacy/download-export";
import { webPrivacyDeps } from "@/lib/privacy/web-deps";

export const GET = apiRoute(downloadExportEndpoint, async ({ db, team, actor }, { params }) =>
  exportDownloadResponse(db, webPrivacyDeps().stores, { teamId: team.id, requestId: params.id, actor }),
);
