"use client";
import { useActionState, useState } from "react";
import { useFormStatus } from "react-dom";
import { importNumberAction, listImportableNumbersAction } from "@/app/t/[slug]/numbers/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { buttonClass } from "@/components/ui/button-class";
import { SelectField } from "@/components/ui/field";
import type { TImportableNumber } from "@/lib/numbers/import-number";
import type { TAssignableAgent } from "@/lib/numbers/team-agent";

export function ImportNumbersPanel({ slug, agents }: { slug: string; agents: TAssignableAgent[] }) {
  const [listState, listAction] = useActionState(listImportableNumbersAction.bind(null, slug), undefined);
  const [importState, importAction] = useActionState(importNumberAction.bind(null, slug), undefined);
  const [imported, setImported] = useState<string[]>([]);
  const justImported = typeof importState?.data?.twilioSid === "string" ? importState.data.twilioSid : null;
  if (justImported && !imported.includes(justImported)) setImported([...imported, justImported]);

  const listed = Array.isArray(listState?.data?.numbers) ? (listState.data.numbers as TImportableNumber[]) : null;
  const numbers = listed?.filter((n) => !imported.includes(n.sid)) ?? null;
  const hasAccount = typeof listState?.data?.accountSid === "string";
  return (
    <div className="space-y-4">
      <form action={listAction}>
        <SubmitButton variant="secondary" pendingText="Looking in Twilio…">
          {listed ? "Look again" : "Find numbers in the team's Twilio account"}
        </SubmitButton>
      </form>
      <div aria-live="polite" className="space-y-2">
        {listState?.error && <Alert tone="error">{listState.error}</Alert>}
        {importState?.error && <Alert tone="error">{importState.error}</Alert>}
        {importState?.success && <Alert tone="success">{importState.success}</Alert>}
      </div>
      {numbers && numbers.length === 0 && (
        <p className="text-sm text-slate-600">
          {hasAccount
            ? "Every number in the team's Twilio account is already here. Numbers you buy in the Twilio console show up here to import."
            : "The team has no Twilio account yet. Buy a number above, or connect your own Twilio account below."}
        </p>
      )}
      {numbers && numbers.length > 0 && (
        <form action={importAction} className="space-y-3" aria-label="Numbers to import">
          <div className="max-w-sm">
            <SelectField label="Answer imported calls with" name="agentId" defaultValue="">
              <option value="">No agent yet</option>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                  {a.isLive ? "" : " (not published)"}
                </option>
              ))}
            </SelectField>
          </div>
          <ul className="divide-y divide-slate-100 rounded-md ring-1 ring-slate-200">
            {numbers.map((n) => (
              <li key={n.sid} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3" data-testid={`importable-${n.phoneNumber}`}>
                <div className="min-w-0">
                  <p className="font-mono text-sm font-semibold text-slate-900">{n.phoneNumber}</p>
                  <p className="text-xs text-slate-500">
                    {n.friendlyName !== n.phoneNumber ? `${n.friendlyName} · ` : ""}
                    {n.currentVoiceUrl ? `Calls now go to ${n.currentVoiceUrl}; importing sends them to your agent instead.` : "Calls are not routed anywhere yet."}
                  </p>
                </div>
                <ImportButton sid={n.sid} phoneNumber={n.phoneNumber} />
              </li>
            ))}
          </ul>
        </form>
      )}
    </div>
  );
}

function ImportButton({ sid, phoneNumber }: { sid: string; phoneNumber: string }) {
  const { pending, data } = useFormStatus();
  const isMine = pending && data?.get("twilioSid") === sid;
  return (
    <button type="submit" name="twilioSid" value={sid} disabled={pending} aria-busy={isMine} aria-label={`Import ${phoneNumber}`} className={buttonClass("secondary")}>
      {isMine ? "Importing…" : "Import"}
    </button>
  );
}
