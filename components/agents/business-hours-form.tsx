"use client";
import { useActionState, useRef, useState } from "react";
import { updateBusinessHoursAction } from "@/app/t/[slug]/agents/actions";
import { Button, SubmitButton } from "@/components/ui/button";
import { inputClass, SelectField } from "@/components/ui/field";
import { WEEKDAYS_MONDAY_FIRST } from "@/lib/agents/options";
import { FormFooter, FormMessages, TextAreaField, useDraftForm } from "./use-draft-form";

type TWindow = { rowId: number; day: number; open: string; close: string };
type THours = {
  isEnabled: boolean;
  timeZone: string;
  weekly: { day: number; open: string; close: string }[];
  afterHours: "take_message" | "hang_up";
  afterHoursMessage: string;
};

const DAY_ORDER = WEEKDAYS_MONDAY_FIRST.map((d) => d.day as number);

export function BusinessHoursForm({
  slug,
  agentId,
  initial,
  canEdit,
  timeZones,
}: {
  slug: string;
  agentId: string;
  initial: THours;
  canEdit: boolean;
  timeZones: string[];
}) {
  const [state, action] = useActionState(updateBusinessHoursAction.bind(null, slug), undefined);
  const { formRef, isDirty, markDirty } = useDraftForm(state);
  const [isEnabled, setIsEnabled] = useState(state?.values ? state.values.isEnabled === "on" : initial.isEnabled);
  const [windows, setWindows] = useState<TWindow[]>(() => initial.weekly.map((w, i) => ({ ...w, rowId: i })));
  const nextRowId = useRef(initial.weekly.length);
  const v = state?.values;
  const e = state?.fieldErrors ?? {};

  // Serialized Monday first; field errors come back by position in this list.
  const ordered = DAY_ORDER.flatMap((day) => windows.filter((w) => w.day === day));
  const indexOf = new Map(ordered.map((w, i) => [w.rowId, i]));
  const payload = JSON.stringify(ordered.map(({ day, open, close }) => ({ day, open, close })));
  const zoneOptions = timeZones.includes(initial.timeZone) ? timeZones : [initial.timeZone, ...timeZones];

  function change(rowId: number, patch: Partial<TWindow>) {
    setWindows((ws) => ws.map((w) => (w.rowId === rowId ? { ...w, ...patch } : w)));
  }
  function add(day: number) {
    const rowId = nextRowId.current++;
    const last = windows.filter((w) => w.day === day).at(-1);
    setWindows((ws) => [...ws, last ? { rowId, day, open: last.close, close: "17:00" } : { rowId, day, open: "09:00", close: "17:00" }]);
    markDirty();
  }
  function remove(rowId: number) {
    setWindows((ws) => ws.filter((w) => w.rowId !== rowId));
    markDirty();
  }
  function copyMondayToWeekdays() {
    const monday = windows.filter((w) => w.day === 1);
    const others = windows.filter((w) => w.day < 2 || w.day > 5);
    const copies = [2, 3, 4, 5].flatMap((day) => monday.map((w) => ({ ...w, day, rowId: nextRowId.current++ })));
    setWindows([...others, ...copies]);
    markDirty();
  }

  return (
    <form ref={formRef} action={action} className="space-y-6" noValidate>
      <input type="hidden" name="agentId" value={agentId} />
      <input type="hidden" name="weekly" value={payload} />
      <FormMessages state={state} />
      <fieldset disabled={!canEdit} className="space-y-6">
        <label className="flex items-start gap-3">
          <input
            type="checkbox"
            name="isEnabled"
            checked={isEnabled}
            onChange={(ev) => setIsEnabled(ev.target.checked)}
            className="mt-1 size-4 accent-brand-600"
          />
          <span>
            <span className="block text-sm font-medium text-slate-900">Use business hours</span>
            <span className="block text-sm text-slate-500">
              When off, the agent treats every hour as open and never plays the after-hours message.
            </span>
          </span>
        </label>
        <div className="max-w-sm">
          <SelectField label="Time zone" name="timeZone" defaultValue={v?.timeZone ?? initial.timeZone} error={e.timeZone}>
            {zoneOptions.map((tz) => (
              <option key={tz} value={tz}>
                {tz}
              </option>
            ))}
          </SelectField>
        </div>
        <div>
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h3 className="text-sm font-medium text-slate-700">Opening hours</h3>
            {canEdit && (
              <Button type="button" variant="ghost" onClick={copyMondayToWeekdays}>
                Copy Monday to Tuesday–Friday
              </Button>
            )}
          </div>
          {e.weekly && <p className="text-sm text-red-600">{e.weekly}</p>}
          <ul className={`mt-2 divide-y divide-slate-100 ${isEnabled ? "" : "opacity-60"}`}>
            {WEEKDAYS_MONDAY_FIRST.map(({ day, label }) => {
              const dayWindows = windows.filter((w) => w.day === day);
              return (
                <li key={day} className="grid gap-2 py-2 sm:grid-cols-[7rem_1fr]" data-testid={`hours-${label}`}>
                  <span className="pt-2 text-sm font-medium text-slate-700">{label}</span>
                  <div className="space-y-2">
                    {dayWindows.length === 0 && <p className="pt-2 text-sm text-slate-500">Closed</p>}
                    {dayWindows.map((w) => {
                      const i = indexOf.get(w.rowId);
                      const err = e[`weekly.${i}.open`] ?? e[`weekly.${i}.close`];
                      return (
                        <div key={w.rowId}>
                          <div className="flex flex-wrap items-center gap-2">
                            <label className="sr-only" htmlFor={`open-${w.rowId}`}>{`${label} opens at`}</label>
                            <div className="w-36">
                              <input
                                id={`open-${w.rowId}`}
                                type="time"
                                value={w.open}
                                onChange={(ev) => change(w.rowId, { open: ev.target.value })}
                                aria-invalid={err ? true : undefined}
                                className={inputClass}
                              />
                            </div>
                            <span className="text-sm text-slate-500">to</span>
                            <label className="sr-only" htmlFor={`close-${w.rowId}`}>{`${label} closes at`}</label>
                            <div className="w-36">
                              <input
                                id={`close-${w.rowId}`}
                                type="time"
                                value={w.close}
                                onChange={(ev) => change(w.rowId, { close: ev.target.value })}
                                aria-invalid={err ? true : undefined}
                                className={inputClass}
                              />
                            </div>
                            {canEdit && (
                              <Button type="button" variant="ghost" onClick={() => remove(w.rowId)} aria-label={`Remove ${label} ${w.open}–${w.close}`}>
                                Remove
                              </Button>
                            )}
                          </div>
                          {err && <p className="text-sm text-red-600">{err}</p>}
                          {w.close < w.open && w.close !== "" && (
                            <p className="text-xs text-slate-500">Closes after midnight, on the next day.</p>
                          )}
                        </div>
                      );
                    })}
                    {canEdit && (
                      <Button type="button" variant="ghost" className="px-0" onClick={() => add(day)} aria-label={`Add hours on ${label}`}>
                        {dayWindows.length === 0 ? "Add hours" : "Add another window"}
                      </Button>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
          <p className="mt-1 text-xs text-slate-500">Same open and close time means open all day.</p>
        </div>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">When callers reach you after hours</legend>
          {(
            [
              ["take_message", "Play the message, then take a message", "The agent still answers questions but offers to take a message instead of transferring."],
              ["hang_up", "Play the message and end the call", "The agent tells callers when you're open and says goodbye."],
            ] as const
          ).map(([value, label, help]) => (
            <label key={value} className="flex items-start gap-3">
              <input
                type="radio"
                name="afterHours"
                value={value}
                defaultChecked={(v?.afterHours ?? initial.afterHours) === value}
                className="mt-1 accent-brand-600"
              />
              <span>
                <span className="block text-sm text-slate-900">{label}</span>
                <span className="block text-xs text-slate-500">{help}</span>
              </span>
            </label>
          ))}
          {e.afterHours && <p className="text-sm text-red-600">{e.afterHours}</p>}
        </fieldset>
        <TextAreaField
          label="After-hours message"
          name="afterHoursMessage"
          rows={2}
          maxLength={500}
          defaultValue={v?.afterHoursMessage ?? initial.afterHoursMessage}
          error={e.afterHoursMessage}
          hint="What callers hear when they call outside your opening hours."
        />
      </fieldset>
      {canEdit && (
        <FormFooter isDirty={isDirty}>
          <SubmitButton pendingText="Saving…">Save business hours</SubmitButton>
        </FormFooter>
      )}
    </form>
  );
}
