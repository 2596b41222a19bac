"use client";
import { useActionState, useState } from "react";
import { useFormStatus } from "react-dom";
import { buyNumberAction, searchNumbersAction } from "@/app/t/[slug]/numbers/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { buttonClass } from "@/components/ui/button-class";
import { Badge, EmptyState } from "@/components/ui/card";
import { Field, SelectField } from "@/components/ui/field";
import { formatMonthlyPrice, type TNumberPrice } from "@/lib/numbers/number-price";
import type { TAvailableNumberResult, TSearchAlternatives } from "@/lib/numbers/search-available-numbers";
import type { TAssignableAgent } from "@/lib/numbers/team-agent";

export function BuyNumberPanel({
  slug,
  agents,
  countries,
}: {
  slug: string;
  agents: TAssignableAgent[];
  countries: readonly { code: string; name: string }[];
}) {
  const [searchState, searchAction] = useActionState(searchNumbersAction.bind(null, slug), undefined);
  const [buyState, buyAction] = useActionState(buyNumberAction.bind(null, slug), undefined);
  const [bought, setBought] = useState<string[]>([]);
  const justBought = typeof buyState?.data?.phoneNumber === "string" ? buyState.data.phoneNumber : null;
  if (justBought && !bought.includes(justBought)) setBought([...bought, justBought]);

  const found = Array.isArray(searchState?.data?.numbers) ? (searchState.data.numbers as TAvailableNumberResult[]) : null;
  const results = found?.filter((n) => !bought.includes(n.phoneNumber)) ?? null;
  const price = (searchState?.data?.price ?? null) as TNumberPrice | null;
  const alternatives = (searchState?.data?.alternatives ?? null) as TSearchAlternatives | null;
  const v = searchState?.values;
  const searchedCountry = countries.find((c) => c.code === v?.country)?.name ?? v?.country ?? "";
  // With one agent there is nothing to choose: new numbers answer with it unless the owner picks "No agent yet".
  const defaultAgent = buyState?.values?.agentId ?? (agents.length === 1 ? agents[0]!.id : "");
  const e = searchState?.fieldErrors ?? {};
  return (
    <div className="space-y-5">
      <form action={searchAction} className="space-y-4" noValidate aria-label="Search numbers">
        {searchState?.error && <Alert tone="error">{searchState.error}</Alert>}
        <div className="grid gap-4 sm:grid-cols-3">
          <SelectField label="Country" name="country" defaultValue={v?.country ?? "US"} error={e.country}>
            {countries.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </SelectField>
          <Field label="Area code" name="areaCode" inputMode="numeric" maxLength={3} placeholder="415" defaultValue={v?.areaCode} error={e.areaCode} hint="US and Canada" />
          <Field label="Digits" name="contains" placeholder="555" defaultValue={v?.contains} error={e.contains} hint="Digits the number contains; * matches any digit" />
        </div>
        <SubmitButton variant="secondary" pendingText="Searching…">
          Search
        </SubmitButton>
      </form>

      <div aria-live="polite" className="space-y-2">
        {buyState?.error && <Alert tone="error">{buyState.error}</Alert>}
        {buyState?.success && <Alert tone="success">{buyState.success}</Alert>}
      </div>

      {results && results.length === 0 && (
        <EmptyState title="No numbers match">
          <NoMatchHint areaCode={v?.areaCode ?? ""} contains={v?.contains ?? ""} country={searchedCountry} alternatives={alternatives} />
        </EmptyState>
      )}
      {results && results.length > 0 && (
        <form action={buyAction} className="space-y-3" aria-label="Available numbers">
          <div className="max-w-sm">
            <SelectField label="Answer calls with" name="agentId" defaultValue={defaultAgent}>
              <option value="">No agent yet</option>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                  {a.isLive ? "" : " (not published)"}
                </option>
              ))}
            </SelectField>
          </div>
          <p className="text-sm text-slate-600" data-testid="number-price">
            {price
              ? `Each number costs ${formatMonthlyPrice(price)}${price.isSandbox ? " in the sandbox (its configured price; nothing is charged)" : ", billed by Twilio"}, plus usage.`
              : "Twilio did not give a price for this country: check twilio.com/voice/pricing before buying."}
          </p>
          <ul className="divide-y divide-slate-100 rounded-md ring-1 ring-slate-200" aria-label="Search results">
            {results.map((n) => (
              <li key={n.phoneNumber} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3" data-testid={`available-${n.phoneNumber}`}>
                <div className="min-w-0">
                  <p className="font-mono text-sm font-semibold text-slate-900">{n.friendlyName || n.phoneNumber}</p>
                  <p className="text-xs text-slate-500">
                    {n.phoneNumber}
                    {n.locality || n.region ? ` · ${[n.locality, n.region].filter(Boolean).join(", ")}` : ""}
                  </p>
                </div>
                <div className="flex items-center gap-2">
                  {n.capabilities.voice && <Badge tone="brand">Voice</Badge>}
                  {n.capabilities.sms && <Badge>SMS</Badge>}
                  {n.capabilities.mms && <Badge>MMS</Badge>}
                  <BuyButton phoneNumber={n.phoneNumber} />
                </div>
              </li>
            ))}
          </ul>
          {searchState?.data?.isCapped === true && (
            <p className="text-xs text-slate-500" data-testid="search-capped">
              {`Showing the first ${found?.length ?? 0} matches. Add an area code or digits to narrow the search.`}
            </p>
          )}
        </form>
      )}
    </div>
  );
}

function NoMatchHint({
  areaCode,
  contains,
  country,
  alternatives,
}: {
  areaCode: string;
  contains: string;
  country: string;
  alternatives: TSearchAlternatives | null;
}) {
  const asked = [areaCode && `in area code ${areaCode}`, contains && `containing ${contains}`].filter(Boolean).join(" ");
  if (!alternatives) return <>Try another area code, fewer digits, or another country.</>;
  if (alternatives.count === 0) return <>No numbers {asked} and none at all for sale in {country} right now. Try another country.</>;
  if (alternatives.areaCodes.length > 0) {
    return (
      <span data-testid="available-area-codes">
        No numbers {asked}. Area codes with numbers for sale{alternatives.isCapped ? ", among others" : ""}: {alternatives.areaCodes.join(", ")}.
      </span>
    );
  }
  return (
    <>
      No numbers {asked}. {alternatives.isCapped ? "Many" : alternatives.count} numbers are for sale in {country}: search without digits to see them.
    </>
  );
}

// One button per result submits the shared form; only the one that was pressed shows progress.
function BuyButton({ phoneNumber }: { phoneNumber: string }) {
  const { pending, data } = useFormStatus();
  const isMine = pending && data?.get("phoneNumber") === phoneNumber;
  return (
    <button
      type="submit"
      name="phoneNumber"
      value={phoneNumber}
      disabled={pending}
      aria-busy={isMine}
      aria-label={`Buy ${phoneNumber}`}
      className={buttonClass("primary")}
    >
      {isMine && <span className="size-3.5 animate-spin rounded-full border-2 border-current border-r-transparent" aria-hidden />}
      {isMine ? "Buying…" : "Buy"}
    </button>
  );
}
