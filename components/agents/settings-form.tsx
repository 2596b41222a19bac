"use client";
import { useActionState } from "react";
import { updateAgentSettingsAction } from "@/app/t/[slug]/agents/actions";
import { SubmitButton } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";
import { LANGUAGE_OPTIONS } from "@/lib/agents/options";
import { FormFooter, FormMessages, TextAreaField, useDraftForm } from "./use-draft-form";
import { VoicePicker } from "./voice-picker";

export type TSettingsInitial = {
  name: string;
  systemPrompt: string;
  greeting: string;
  disclosure: string;
  recordingMode: "record" | "do_not_record" | "ask_consent";
  language: string;
  voice: string;
  interruptionMinSpeechMs: number;
  thinkingInterruptionMinSpeechMs: number;
  shouldResumeAfterBackchannel: boolean;
  // One phrase a line.
  backchannelPhrases: string;
  endpointingSilenceMs: number;
  maxCallDurationMin: number;
  silenceTimeoutSec: number;
};

export function SettingsForm({
  slug,
  agentId,
  initial,
  canEdit,
  canPreview,
}: {
  slug: string;
  agentId: string;
  initial: TSettingsInitial;
  canEdit: boolean;
  canPreview: boolean;
}) {
  const [state, action] = useActionState(updateAgentSettingsAction.bind(null, slug), undefined);
  const { formRef, isDirty } = useDraftForm(state);
  const v = state?.values;
  const e = state?.fieldErrors ?? {};
  const value = (key: keyof TSettingsInitial) => v?.[key] ?? String(initial[key]);
  const sampleFor = () => {
    const form = formRef.current;
    const read = (name: string) => (form?.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | null)?.value ?? "";
    return { language: read("language") || initial.language, text: read("greeting") };
  };
  return (
    <form ref={formRef} action={action} className="space-y-6" noValidate>
      <input type="hidden" name="agentId" value={agentId} />
      <FormMessages state={state} />
      <fieldset disabled={!canEdit} className="space-y-4">
        <div className="grid gap-4 md:grid-cols-2">
          <Field label="Agent name" name="name" defaultValue={value("name")} error={e.name} maxLength={80} required />
          <SelectField label="Language" name="language" defaultValue={value("language")} error={e.language}>
            {!LANGUAGE_OPTIONS.some((l) => l.code === value("language")) && <option value={value("language")}>{value("language")}</option>}
            {LANGUAGE_OPTIONS.map((l) => (
              <option key={l.code} value={l.code}>
                {l.label}
              </option>
            ))}
          </SelectField>
        </div>
        <TextAreaField
          label="Greeting"
          name="greeting"
          rows={2}
          maxLength={500}
          defaultValue={value("greeting")}
          error={e.greeting}
          hint="The first thing callers hear, spoken as soon as the call connects."
        />
        <SelectField
          label="Recording"
          name="recordingMode"
          defaultValue={value("recordingMode")}
          error={e.recordingMode}
          hint={`Recordings are encrypted and kept as your team's data retention says. Recording or asking for consent needs a disclosure. With "Ask for consent", nothing is recorded until the caller says yes or presses 1 after the disclosure; if your disclosure does not say how to answer, "To allow recording, say yes or press 1." is added to it.`}
        >
          <option value="record">Record every call</option>
          <option value="ask_consent">Ask for consent (the caller says yes or presses 1)</option>
          <option value="do_not_record">Do not record</option>
        </SelectField>
        <TextAreaField
          label="Disclosure"
          name="disclosure"
          rows={2}
          maxLength={500}
          defaultValue={value("disclosure")}
          error={e.disclosure}
          hint='Said right after the greeting, for example "This call is answered by an AI assistant and may be recorded." Required to publish unless Recording is "Do not record".'
        />
        <TextAreaField
          label="Instructions (system prompt)"
          name="systemPrompt"
          rows={10}
          defaultValue={value("systemPrompt")}
          error={e.systemPrompt}
          className="font-mono"
          hint="How the agent behaves: its tone, what it handles, when to transfer or take a message. Put facts in Knowledge; phone etiquette, hours and departments are added for you (see Instructions)."
        />
        <VoicePicker slug={slug} defaultValue={value("voice")} error={e.voice} disabled={!canEdit} canPreview={canPreview} sampleFor={sampleFor} />
      </fieldset>

      <fieldset disabled={!canEdit} className="space-y-4">
        <legend className="text-sm font-semibold text-slate-900">Conversation timing</legend>
        <div className="grid gap-4 md:grid-cols-2">
          <Field
            label="Interruption sensitivity (ms)"
            name="interruptionMinSpeechMs"
            type="number"
            min={50}
            max={2000}
            step={10}
            defaultValue={value("interruptionMinSpeechMs")}
            error={e.interruptionMinSpeechMs}
            hint="While the agent is speaking: how long a caller must talk over it before it stops. Lower stops sooner but a cough can cut it off; 150–300 ms suits most lines."
          />
          <Field
            label="Interruption while thinking (ms)"
            name="thinkingInterruptionMinSpeechMs"
            type="number"
            min={20}
            max={2000}
            step={10}
            defaultValue={value("thinkingInterruptionMinSpeechMs")}
            error={e.thinkingInterruptionMinSpeechMs}
            hint="After the agent decided to answer but before it speaks: how long the caller must go on talking for the agent to drop its reply and keep listening. 40 ms (the shortest sound the line’s voice detector confirms) catches a caller who goes on just before the answer would start; up to 100 ms ignores more line noise."
          />
          <Field
            label="End-of-turn silence (ms)"
            name="endpointingSilenceMs"
            type="number"
            min={100}
            max={3000}
            step={50}
            defaultValue={value("endpointingSilenceMs")}
            error={e.endpointingSilenceMs}
            hint="How long the agent waits after the caller stops before answering. Complete questions are answered sooner. A caller mid-sentence or reading out a number, date or email gets this plus 600 ms (500 → 1,100 ms) so the pauses of dictation are never cut; if they go on before the agent’s voice starts, it drops its answer and keeps listening. 400–800 ms suits most callers."
          />
          <SelectField
            label="When a caller says “uh-huh” over the agent"
            name="shouldResumeAfterBackchannel"
            defaultValue={value("shouldResumeAfterBackchannel")}
            error={e.shouldResumeAfterBackchannel}
          >
            <option value="true">Say the interrupted sentence again</option>
            <option value="false">Stop and listen</option>
          </SelectField>
          <Field
            label="Maximum call length (minutes)"
            name="maxCallDurationMin"
            type="number"
            min={1}
            max={240}
            defaultValue={value("maxCallDurationMin")}
            error={e.maxCallDurationMin}
            hint="The agent wraps up and ends the call at this length."
          />
          <Field
            label="Silence timeout (seconds)"
            name="silenceTimeoutSec"
            type="number"
            min={5}
            max={600}
            defaultValue={value("silenceTimeoutSec")}
            error={e.silenceTimeoutSec}
            hint="If the caller says nothing for this long, the agent checks they're still there and then ends the call."
          />
        </div>
        <TextAreaField
          label="Acknowledgements that never interrupt (optional)"
          name="backchannelPhrases"
          rows={3}
          defaultValue={value("backchannelPhrases")}
          error={e.backchannelPhrases}
          hint="One per line, in the agent's language, added to the usual ones (“uh-huh”, “okay”, “mm-hmm”, “right”, “yeah”, “I see”). Heard over the agent, these and background noise make it carry on; anything else stops it."
        />
      </fieldset>
      {canEdit && (
        <FormFooter isDirty={isDirty}>
          <SubmitButton pendingText="Saving…">Save settings</SubmitButton>
        </FormFooter>
      )}
    </form>
  );
}
