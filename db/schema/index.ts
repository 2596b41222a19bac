export * from "./auth";
export * from "./teams";
export * from "./agents";
export * from "./telephony";
export * from "./analysis";
export * from "./analytics";
export * from "./callers";
