// GET/POST /api/auth/* - next-auth (sign-in, sign-out, session).
import { handlers } from "@/lib/auth/auth";

export const { GET, POST } = handlers;
