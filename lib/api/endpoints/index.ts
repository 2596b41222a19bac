import { analyticsSummaryEndpoint, analyticsTimeseriesEndpoint } from "./analytics";
import { getAgentEndpoint, listAgentsEndpoint, publishAgentEndpoint, updateAgentEndpoint } from "./agents";
import {
  createErasureEndpoint,
  createExportEndpoint,
  downloadExportEndpoint,
  getPrivacyRequestEndpoint,
  listPrivacyRequestsEndpoint,
  lookupCallerEndpoint,
} from "./caller-data";
import { getCallerEndpoint, getMessageEndpoint, listCallersEndpoint, listMessagesEndpoint, updateCallerEndpoint, updateMessageEndpoint } from "./callers-messages";
import { getCallEndpoint, listCallsEndpoint } from "./calls";
import type { TEndpoint } from "./define";
import { inviteMemberEndpoint, listMembersEndpoint, removeMemberEndpoint } from "./members";
import { listNumbersEndpoint } from "./phone-numbers";
import { getRetentionPolicyEndpoint, updateRetentionPolicyEndpoint } from "./retention";
import { getTestRunEndpoint, startTestRunEndpoint } from "./test-runs";

// Every /api/v1 endpoint, in the order the docs show them. Route handlers import their endpoint from its area's
// file; the OpenAPI document (and the docs page) list exactly these. tests/integration/openapi.test.ts checks that
// each route file under app/api/v1 serves one of them and that none is missing.
export const V1_ENDPOINTS: readonly TEndpoint[] = unique([
  listCallersEndpoint,
  getCallerEndpoint,
  updateCallerEndpoint,
  listMessagesEndpoint,
  getMessageEndpoint,
  updateMessageEndpoint,
  listCallsEndpoint,
  getCallEndpoint,
  listAgentsEndpoint,
  getAgentEndpoint,
  updateAgentEndpoint,
  publishAgentEndpoint,
  listNumbersEndpoint,
  listMembersEndpoint,
  inviteMemberEndpoint,
  removeMemberEndpoint,
  analyticsSummaryEndpoint,
  analyticsTimeseriesEndpoint,
  getRetentionPolicyEndpoint,
  updateRetentionPolicyEndpoint,
  lookupCallerEndpoint,
  createExportEndpoint,
  createErasureEndpoint,
  listPrivacyRequestsEndpoint,
  getPrivacyRequestEndpoint,
  downloadExportEndpoint,
  startTestRunEndpoint,
  getTestRunEndpoint,
]);

// Two declarations of one method and path (or one operationId) would document one and serve the other.
function unique(endpoints: TEndpoint[]): readonly TEndpoint[] {
  const seen = new Set<string>();
  for (const e of endpoints) {
    for (const key of [`${e.method} ${e.path}`, `operationId ${e.operationId}`]) {
      if (seen.has(key)) throw new Error(`lib/api/endpoints: ${key} is declared twice`);
      seen.add(key);
    }
  }
  return endpoints;
}
