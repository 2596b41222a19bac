import { describe, expect, it } from "vitest";
import { ZAgentConfig, ZAgentSnapshot } from "./config";

describe("ZAgentConfig turn-taking settings", () => {
  it("gives a config saved before they existed their defaults, so old drafts and published versions still parse", () => {
    const old = { greeting: "Hello!", interruptionMinSpeechMs: 250, endpointingSilenceMs: 600 };
    expect(ZAgentConfig.parse(old)).toMatchObject({ thinkingInterruptionMinSpeechMs: 40, shouldResumeAfterBackchannel: true, backchannelPhrases: [] });
    const snapshot = ZAgentSnapshot.parse({ agentName: "A", teamName: "T", config: old, knowledge: [], departments: [] });
    expect(snapshot.config.backchannelPhrases).toEqual([]);
  });

  it("refuses out-of-range values", () => {
    expect(ZAgentConfig.safeParse({ greeting: "Hi", thinkingInterruptionMinSpeechMs: 5 }).success).toBe(false);
    expect(ZAgentConfig.safeParse({ greeting: "Hi", backchannelPhrases: ["x".repeat(41)] }).success).toBe(false);
    expect(ZAgentConfig.safeParse({ greeting: "Hi", backchannelPhrases: Array.from({ length: 51 }, () => "ok") }).success).toBe(false);
    expect(ZAgentConfig.safeParse({ greeting: "Hi", shouldResumeAfterBackchannel: "yes" }).success).toBe(false);
    expect(ZAgentConfig.parse({ greeting: "Hi", backchannelPhrases: ["  lovely  "] }).backchannelPhrases).toEqual(["lovely"]);
  });
});
