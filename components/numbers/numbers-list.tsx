"use client";
import Link from "next/link";
import { useActionState, useState } from "react";
import { assignNumberAction, releaseNumberAction } from "@/app/t/[slug]/numbers/actions";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Badge } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import type { TActionState } from "@/lib/auth/entry-points";
import type { TNumberAttention } from "@/lib/numbers/list-numbers";
import type { TAssignableAgent } from "@/lib/numbers/team-agent";

export type TNumberView = {
  id: string;
  e164: string;
  friendlyName: string;
  source: "purchased" | "imported";
  agent: TAssignableAgent | null;
  callsToday: number;
  attention: TNumberAttention[];
};

type TFormAction = (formData: FormData) => void;

function attentionText(reason: TNumberAttention, number: TNumberView): string {
  switch (reason) {
    case "not_configured":
      return "Calls do not reach the voice server yet. Save an agent for this number to set its webhooks.";
    case "no_agent":
      return "No agent: callers hear that no one is available.";
    case "agent_not_live":
      return `${number.agent?.name ?? "The agent"} is not published yet: callers hear that no one is available.`;
  }
}

export function NumbersList({
  slug,
  numbers,
  agents,
  canManage,
}: {
  slug: string;
  numbers: TNumberView[];
  agents: TAssignableAgent[];
  canManage: boolean;
}) {
  const [assignState, assignAction] = useActionState(assignNumberAction.bind(null, slug), undefined);
  const [releaseState, releaseAction] = useActionState(releaseNumberAction.bind(null, slug), undefined);
  // The latest outcome wins; rows come and go with revalidation, so messages live above the list.
  const [lastOf, setLastOf] = useState<"assign" | "release">("assign");
  const state: TActionState | undefined = lastOf === "assign" ? assignState : releaseState;
  return (
    <div className="space-y-3">
      <div aria-live="polite" className="space-y-2">
        {state?.error && <Alert tone="error">{state.error}</Alert>}
        {state?.success && <Alert tone="success">{state.success}</Alert>}
      </div>
      <ul className="divide-y divide-slate-100" aria-label="Phone numbers">
        {numbers.map((number) => (
          <NumberRow
            key={number.id}
            slug={slug}
            number={number}
            agents={agents}
            canManage={canManage}
            assignAction={(formData) => {
              setLastOf("assign");
              assignAction(formData);
            }}
            releaseAction={(formData) => {
              setLastOf("release");
              releaseAction(formData);
            }}
          />
        ))}
      </ul>
    </div>
  );
}

function NumberRow({
  slug,
  number,
  agents,
  canManage,
  assignAction,
  releaseAction,
}: {
  slug: string;
  number: TNumberView;
  agents: TAssignableAgent[];
  canManage: boolean;
  assignAction: TFormAction;
  releaseAction: TFormAction;
}) {
  const current = number.agent?.id ?? "";
  // A number without an agent, on a team with exactly one: that agent is the obvious choice, offered (unsaved).
  const suggested = current || (agents.length === 1 ? agents[0]!.id : "");
  const [selected, setSelected] = useState(suggested);
  const [seenCurrent, setSeenCurrent] = useState(current);
  if (seenCurrent !== current) {
    setSeenCurrent(current);
    setSelected(suggested);
  }
  const [isConfirming, setIsConfirming] = useState(false);
  const isDirty = selected !== current;
  const isOk = number.attention.length === 0;
  const selectId = `agent-${number.id}`;
  return (
    <li className="py-4" data-testid={`number-${number.e164}`}>
      <div className="grid gap-4 md:grid-cols-[minmax(10rem,1fr)_minmax(14rem,1.4fr)_auto_auto] md:items-center">
        <div className="min-w-0">
          <p className="font-mono text-sm font-semibold text-slate-900">{number.e164}</p>
          <p className="truncate text-xs text-slate-500">
            {number.friendlyName && number.friendlyName !== number.e164 ? `${number.friendlyName} · ` : ""}
            {number.source === "imported" ? "Imported" : "Bought here"}
          </p>
        </div>

        <div className="min-w-0">
          {canManage ? (
            // The select is uncontrolled: React resets a form after its action, and the reset must land on the
            // saved agent, never on a stale choice.
            <form action={assignAction} onReset={() => setSelected(suggested)} className="flex flex-wrap items-center gap-2">
              <input type="hidden" name="numberId" value={number.id} />
              <label htmlFor={selectId} className="sr-only">
                Agent for {number.e164}
              </label>
              <select
                id={selectId}
                key={current}
                name="agentId"
                defaultValue={suggested}
                onChange={(e) => setSelected(e.target.value)}
                className={`${inputClass} w-auto min-w-0 flex-1`}
              >
                <option value="">No agent</option>
                {agents.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                    {a.isLive ? "" : " (not published)"}
                  </option>
                ))}
              </select>
              <SubmitButton variant={isDirty ? "primary" : "secondary"} pendingText="Saving…" disabled={!isDirty && !number.attention.includes("not_configured")}>
                Save
              </SubmitButton>
              {isDirty && <span className="w-full text-xs text-amber-700">Unsaved: press Save to route calls to this agent.</span>}
            </form>
          ) : number.agent ? (
            <Link href={`/t/${slug}/agents/${number.agent.id}`} className="text-sm font-medium text-brand-700 hover:underline">
              {number.agent.name}
            </Link>
          ) : (
            <span className="text-sm text-slate-500">No agent</span>
          )}
          {canManage && number.agent && (
            <Link href={`/t/${slug}/agents/${number.agent.id}`} className="mt-1 inline-block text-xs text-brand-700 hover:underline">
              Open {number.agent.name}
            </Link>
          )}
        </div>

        <div className="space-y-1">
          {isOk ? <Badge tone="green">Configured</Badge> : <Badge tone="amber">Needs attention</Badge>}
          {!isOk && (
            <ul className="text-xs text-slate-600">
              {number.attention.map((reason) => (
                <li key={reason}>{attentionText(reason, number)}</li>
              ))}
            </ul>
          )}
        </div>

        <div className="flex items-center justify-between gap-4 md:justify-end">
          <p className="text-sm text-slate-700" data-testid="calls-today">
            <span className="font-semibold tabular-nums">{number.callsToday}</span> call{number.callsToday === 1 ? "" : "s"} today
          </p>
          {canManage && !isConfirming && (
            <Button type="button" variant="ghost" className="text-red-600" onClick={() => setIsConfirming(true)}>
              Release…
            </Button>
          )}
        </div>
      </div>

      {canManage && isConfirming && (
        <div role="group" aria-label={`Confirm releasing ${number.e164}`} className="mt-3 rounded-md bg-red-50 p-3 ring-1 ring-inset ring-red-200">
          <p className="text-sm text-red-900">
            Release {number.e164}? It goes back to Twilio, calls to it stop at once, and someone else may buy it. Its call history is kept.
          </p>
          <div className="mt-2 flex flex-wrap gap-2">
            <form action={releaseAction}>
              <input type="hidden" name="numberId" value={number.id} />
              <SubmitButton variant="danger" pendingText="Releasing…">
                Release {number.e164}
              </SubmitButton>
            </form>
            {/* Cancel is focused first so a stray Enter does not release. */}
            <Button type="button" variant="secondary" autoFocus onClick={() => setIsConfirming(false)}>
              Cancel
            </Button>
          </div>
        </div>
      )}
    </li>
  );
}
