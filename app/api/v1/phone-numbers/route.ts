// GET /api/v1/phone-numbers - the team's active numbers with their agent
import { listNumbersEndpoint } from "@/lib/api/endpoints/phone-numbers";
import { toPhoneNumberOut } from "@/lib/api/serialize";
import { apiRoute } from "@/lib/auth/api-key";
import { listNumbers } from "@/lib/numbers/list-numbers";

export const GET = apiRoute(listNumbersEndpoint, async ({ db, team }) => {
  const { active } = await listNumbers(db, team.id);
  return { data: active.map(toPhoneNumberOut), next_cursor: null };
});
