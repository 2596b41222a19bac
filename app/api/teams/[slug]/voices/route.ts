// GET /api/teams/:slug/voices - the voices the agent can speak with (the configured TTS provider's list).
import { teamRoute } from "@/lib/auth/entry-points";
import { listVoicesForWeb } from "@/lib/agents/tts-for-web";

export const GET = teamRoute("team.view", async () => Response.json(await listVoicesForWeb()));
