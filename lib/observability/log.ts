import { hostname } from "node:os";
import pino, { type DestinationStream, type Logger as PinoLogger } from "pino";
import { prepareFields } from "./redact";

// Structured logs for every process (web, voice, worker): one JSON line per record through pino, with call and
// team ids in the fields so a call can be followed across processes. Redaction rules live in ./redact.ts.
// The level comes from LOG_LEVEL, validated by the process's env module and passed to configureLogging() at start.

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type TLogLevel = (typeof LOG_LEVELS)[number];
export type TLogFields = Record<string, unknown>;
export type TLogger = {
  debug(message: string, fields?: TLogFields): void;
  info(message: string, fields?: TLogFields): void;
  warn(message: string, fields?: TLogFields): void;
  error(message: string, fields?: TLogFields): void;
  child(fields: TLogFields): TLogger;
};

type TLogConfig = { level: TLogLevel; base: TLogFields; destination?: DestinationStream };

function createPino(config: TLogConfig): PinoLogger {
  return pino(
    {
      level: config.level,
      // pid and host tell instances apart when several run behind a load balancer.
      base: { pid: process.pid, hostname: hostname(), ...prepareFields(config.base, false) },
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not numbers: readable in `docker logs` and matched as-is by log pipelines.
      formatters: { level: (label) => ({ level: label }) },
    },
    config.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

// The process's root logger, rebuilt when configureLogging() runs. Loggers made before that (module-level ones)
// pick the new settings up on their next line.
let processConfig: TLogConfig = { level: "info", base: {} };
let processRoot: PinoLogger | null = null;
let processVersion = 0;

export function configureLogging(config: { level?: TLogLevel; base?: TLogFields; destination?: DestinationStream }): void {
  processConfig = { ...processConfig, ...config };
  processRoot = null;
  processVersion += 1;
}

type TRoot = { logger(): PinoLogger; version(): number; base(): TLogFields };
const processRootSource: TRoot = {
  logger: () => (processRoot ??= createPino(processConfig)),
  version: () => processVersion,
  base: () => processConfig.base,
};

class Logger implements TLogger {
  private pinoLogger: PinoLogger | null = null;
  private builtFor = -1;

  constructor(
    private readonly root: TRoot,
    private readonly bindings: TLogFields,
  ) {}

  private target(): PinoLogger {
    const version = this.root.version();
    if (!this.pinoLogger || this.builtFor !== version) {
      // Bindings appear on every line, info included, so they are always redacted. One the root already
      // carries (createLogger({ service: "voice" }) in the voice process) is not written twice.
      const base = this.root.base();
      const own = Object.fromEntries(Object.entries(this.bindings).filter(([k, v]) => base[k] !== v));
      this.pinoLogger = this.root.logger().child(prepareFields(own, false));
      this.builtFor = version;
    }
    return this.pinoLogger;
  }

  private write(level: "debug" | "info" | "warn" | "error", message: string, fields?: TLogFields): void {
    const target = this.target();
    if (!target.isLevelEnabled(level)) return;
    if (fields) target[level](prepareFields(fields, level === "debug"), message);
    else target[level](message);
  }

  debug(message: string, fields?: TLogFields): void {
    this.write("debug", message, fields);
  }
  info(message: string, fields?: TLogFields): void {
    this.write("info", message, fields);
  }
  warn(message: string, fields?: TLogFields): void {
    this.write("warn", message, fields);
  }
  error(message: string, fields?: TLogFields): void {
    this.write("error", message, fields);
  }
  child(fields: TLogFields): TLogger {
    return new Logger(this.root, { ...this.bindings, ...fields });
  }
}

// A logger with `base` fields on every line. Without options it writes through the process's root logger
// (configureLogging); with a level or destination it is standalone (tests, tools).
export function createLogger(
  base: TLogFields = {},
  options: { isSilent?: boolean; level?: TLogLevel; destination?: DestinationStream } = {},
): TLogger {
  if (!options.isSilent && !options.level && !options.destination) return new Logger(processRootSource, base);
  let own: PinoLogger | null = null;
  const root: TRoot = {
    logger: () => (own ??= createPino({ level: options.isSilent ? "silent" : (options.level ?? "info"), base: {}, destination: options.destination })),
    version: () => 0,
    base: () => ({}),
  };
  return new Logger(root, base);
}

export const silentLogger: TLogger = createLogger({}, { isSilent: true });

// For lib/ code that is not handed a logger (web routes, server actions, queues).
export const log: TLogger = createLogger();
