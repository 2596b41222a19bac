import { describe, expect, it } from "vitest";
import { callbackDisplay } from "./phone";

describe("callbackDisplay", () => {
  it("shows a dictated national number as dialled, read in the country of the number the caller rang from", () => {
    expect(callbackDisplay("4155550199", "+14155550100")).toEqual({ text: "+1 415 555 0199", tel: "+14155550199" });
    expect(callbackDisplay("020 7946 0958", "+442079460000")).toEqual({ text: "+44 20 7946 0958", tel: "+442079460958" });
  });

  it("keeps text that is not a whole number as it was taken, with no tel: link", () => {
    expect(callbackDisplay("ask for Dana", "+14155550100")).toEqual({ text: "ask for Dana", tel: null });
    expect(callbackDisplay("", null)).toEqual({ text: "", tel: null });
  });
});
