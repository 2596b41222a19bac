// One JSON line per record on stdout/stderr; fields carry call and team ids so a call can be followed.

export type TLogFields = Record<string, unknown>;
export type TLogger = {
  info(message: string, fields?: TLogFields): void;
  warn(message: string, fields?: TLogFields): void;
  error(message: string, fields?: TLogFields): void;
  child(fields: TLogFields): TLogger;
};

function serializeError(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, ...(value.cause ? { cause: serializeError(value.cause) } : {}) };
  return value;
}

export function createLogger(base: TLogFields = {}, options: { isSilent?: boolean } = {}): TLogger {
  const write = (level: "info" | "warn" | "error", message: string, fields?: TLogFields) => {
    if (options.isSilent) return;
    const record: TLogFields = { t: new Date().toISOString(), level, msg: message, ...base };
    for (const [k, v] of Object.entries(fields ?? {})) record[k] = serializeError(v);
    const line = JSON.stringify(record);
    if (level === "info") process.stdout.write(line + "\n");
    else process.stderr.write(line + "\n");
  };
  return {
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger({ ...base, ...fields }, options),
  };
}

export const silentLogger: TLogger = createLogger({}, { isSilent: true });
