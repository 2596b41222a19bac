import { describe, expect, it } from "vitest";
import { admissionHeadroom } from "./bench-voice-harness";

describe("admissionHeadroom", () => {
  it("reads the voice server's headroom gauge from /metrics, and null when the server has none", () => {
    const metrics = [
      "# HELP voice_admission_headroom_ratio Smallest margin left under the admission limits.",
      "# TYPE voice_admission_headroom_ratio gauge",
      "voice_admission_headroom_ratio -1.25",
      "voice_admission_loop_delay_p99_ms 22500",
    ].join("\n");
    expect(admissionHeadroom(metrics)).toBe(-1.25);
    expect(admissionHeadroom(metrics.replace("-1.25", "0.98"))).toBe(0.98);
    expect(admissionHeadroom("# TYPE voice_calls_active gauge\nvoice_calls_active 0\n")).toBeNull();
  });
});
