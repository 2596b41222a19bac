// The voice server logs through the logger every process shares.
export { configureLogging, createLogger, silentLogger, type TLogFields, type TLogger, type TLogLevel } from "@/lib/observability/log";
