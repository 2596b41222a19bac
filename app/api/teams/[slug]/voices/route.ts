// GET /api/teams/:slug/voices - the voices the agent can speak with (the voice server's TTS engine's list).
import { teamRoute } from "@/lib/auth/entry-points";
import { listVoices } from "@/lib/agents/voice-previews";

export const GET = teamRoute("team.view", async ({ team }) => Response.json(await listVoices(team.id)));
