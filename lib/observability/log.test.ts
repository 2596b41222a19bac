import { describe, expect, it } from "vitest";
import { configureLogging, createLogger, log as processLog, type TLogLevel } from "./log";

function capture(level: TLogLevel = "info") {
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) };
  const logger = createLogger({ service: "test" }, { level, destination });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

const TRANSCRIPT = "my card number is 4111 and I live at 12 Elm Street";
const CALLER = "+15557654321";

describe("structured logs", () => {
  it("writes one JSON line per record with level, time, message, base and child fields", () => {
    const { logger, records } = capture();
    logger.child({ callId: "c1", teamId: "t1" }).info("call ended", { outcome: "completed", turns: 3 });
    const [record] = records();
    expect(record).toMatchObject({ level: "info", msg: "call ended", service: "test", callId: "c1", teamId: "t1", outcome: "completed", turns: 3 });
    expect(typeof record?.time).toBe("string");
    expect(typeof record?.pid).toBe("number");
  });

  it("keeps transcript text and caller numbers out of info, warn and error lines, whatever the field is called", () => {
    const { logger, lines } = capture("info");
    const child = logger.child({ from: CALLER, callId: "c1" });
    child.info("turn", { text: TRANSCRIPT, transcript: TRANSCRIPT, callerText: TRANSCRIPT, sensitive: { said: TRANSCRIPT } });
    child.warn("webhook", { to: CALLER, e164: CALLER, destination: CALLER, nested: { deep: [{ caller: CALLER, note: `call from ${CALLER}` }] } });
    child.error("lookup failed", { error: new Error(`no agent for ${CALLER}`), phoneNumber: "+1 (555) 765-4321" });
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(TRANSCRIPT);
      expect(line).not.toContain("4111");
      expect(line).not.toContain("7654321");
      expect(line).not.toContain("765-4321");
    }
    expect(lines.join("\n")).toContain('"callId":"c1"');
  });

  it("drops the parameters a failed database query quotes (a turn's text) from the message and the stack", async () => {
    const { DrizzleQueryError } = await import("drizzle-orm/errors");
    const { logger, lines } = capture();
    const error = new DrizzleQueryError('insert into "call_turns" ("text", "team_id") values ($1, $2)', [TRANSCRIPT, "t1"], new Error("connection ended"));
    logger.warn("call record write failed", { write: "turn", error });
    expect(lines[0]).not.toContain("4111");
    const logged = JSON.parse(lines[0] as string).error as { message: string; stack: string; cause: { message: string } };
    expect(logged.message).toBe('Failed query: insert into "call_turns" ("text", "team_id") values ($1, $2)\nparams: [redacted]');
    expect(logged.stack).toMatch(/params: \[redacted\]\n\s+at /);
    expect(logged.cause.message).toBe("connection ended");
  });

  it("shows the sensitive fields at debug, for a developer's own machine", () => {
    const { logger, records } = capture("debug");
    logger.debug("turn", { sensitive: { said: TRANSCRIPT }, from: CALLER });
    logger.info("turn", { sensitive: { said: TRANSCRIPT } });
    const [debugLine, infoLine] = records();
    expect(debugLine).toMatchObject({ level: "debug", sensitive: { said: TRANSCRIPT }, from: CALLER });
    expect(infoLine?.sensitive).toBeUndefined();
  });

  it("serializes errors with type, message, stack and cause", () => {
    const { logger, records } = capture();
    const cause = Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });
    logger.error("db write failed", { error: new TypeError("write failed", { cause }) });
    const error = records()[0]?.error as { type: string; message: string; stack: string; cause: { message: string; code: string; stack: string } };
    expect(error.type).toBe("TypeError");
    expect(error.message).toBe("write failed");
    expect(error.stack).toMatch(/TypeError: write failed\n\s+at /);
    expect(error.stack).toContain("log.test.ts");
    expect(error.cause).toMatchObject({ message: "connection refused", code: "ECONNREFUSED" });
    expect(error.cause.stack).toMatch(/at /);
  });

  it("honours the level: debug lines are dropped at info, everything at silent", () => {
    const info = capture("info");
    info.logger.debug("noise");
    info.logger.info("kept");
    expect(info.records().map((r) => r.msg)).toEqual(["kept"]);
    const silent = capture("silent");
    silent.logger.error("dropped");
    expect(silent.lines).toHaveLength(0);
  });

  it("the process logger follows configureLogging, also for loggers made before it ran", () => {
    const lines: string[] = [];
    const child = processLog.child({ module: "early" });
    configureLogging({ level: "warn", base: { service: "web" }, destination: { write: (l: string) => void lines.push(l) } });
    try {
      child.info("below the level");
      child.warn("kept", { from: CALLER });
      createLogger({ service: "web" }).error("once");
      expect(lines).toHaveLength(2);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ level: "warn", service: "web", module: "early", from: "[redacted]" });
      expect(lines[1]?.match(/"service"/g)).toHaveLength(1);
    } finally {
      configureLogging({ level: "info", base: {}, destination: undefined });
    }
  });
});
