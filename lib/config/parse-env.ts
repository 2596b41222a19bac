import { z } from "zod";

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee .env.example for every variable.`);
    this.name = "EnvError";
  }
}

// Validates an env object against a zod schema and names every missing or bad variable at once.
// Empty strings count as unset, so `FOO=` in a .env file does not smuggle in an empty value.
export function parseEnv<T extends z.ZodType>(schema: T, source: Record<string, string | undefined>): z.infer<T> {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new EnvError(
    result.error.issues.map((issue) => {
      const name = issue.path.join(".") || "(env)";
      return issue.code === "invalid_type" && cleaned[name] === undefined
        ? `${name} is required but not set`
        : `${name}: ${issue.message}`;
    }),
  );
}

export const zUrl = z.url({ protocol: /^(https?|wss?|postgres(ql)?)$/ });
export const zBool = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1");
