// POST /api/v1/caller-data/lookup - everything the key's team holds about one caller number (audited)
import { lookupCallerEndpoint } from "@/lib/api/endpoints/caller-data";
import { apiRoute } from "@/lib/auth/api-key";
import { lookupCaller } from "@/lib/privacy/lookup-caller";
import { webPrivacyDeps } from "@/lib/privacy/web-deps";

export const POST = apiRoute(lookupCallerEndpoint, async ({ db, team, actor }, { body }) =>
  lookupCaller(db, { team, number: body.number, actor, secretKey: webPrivacyDeps().secretKey, via: "api" }),
);
