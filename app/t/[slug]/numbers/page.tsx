import type { Metadata } from "next";
import Link from "next/link";
import { BuyNumberPanel } from "@/components/numbers/buy-number-panel";
import { ImportNumbersPanel } from "@/components/numbers/import-numbers-panel";
import { NumbersList, type TNumberView } from "@/components/numbers/numbers-list";
import { TwilioAccountPanel } from "@/components/numbers/twilio-account-panel";
import { Alert } from "@/components/ui/alert";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { can } from "@/lib/auth/roles";
import { NUMBER_COUNTRIES, numbersConfigFromEnv } from "@/lib/numbers/config";
import { listNumbers } from "@/lib/numbers/list-numbers";
import { listAssignableAgents } from "@/lib/numbers/team-agent";
import { getTwilioAccountSummary } from "@/lib/numbers/twilio-account";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { localDay } from "@/lib/time/zone";

export const metadata: Metadata = { title: "Phone numbers" };

export default async function NumbersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { db, team, role } = await getTeamPage((await params).slug);
  const config = numbersConfigFromEnv();
  const canManage = can(role, "numbers.manage");
  const tz = await teamTimeZone(db, team);
  const [{ active, released }, agents, summary] = await Promise.all([
    listNumbers(db, team.id, new Date(), tz),
    listAssignableAgents(db, team.id),
    getTwilioAccountSummary(db, team, config),
  ]);
  const numbers: TNumberView[] = active.map((n) => ({
    id: n.id,
    e164: n.e164,
    friendlyName: n.friendlyName,
    source: n.source,
    agent: n.agent,
    callsToday: n.callsToday,
    attention: n.attention,
  }));
  const canBuy = canManage && (summary.mode === "own_account" || summary.hasPlatform);
  return (
    <>
      <PageHeader title="Phone numbers" description="The numbers callers dial, and the agent that answers each one." />
      <div className="space-y-6">
        {config.isSandbox && summary.hasPlatform && (
          <Alert tone="info">
            <strong>Sandbox.</strong> Numbers here are simulated by a local stand-in for Twilio: nothing is bought, nothing is
            charged and no real phone rings. For real numbers, set <code>TWILIO_ACCOUNT_SID</code> and{" "}
            <code>TWILIO_AUTH_TOKEN</code> and restart.
          </Alert>
        )}
        {!summary.hasPlatform && summary.mode !== "own_account" && (
          <Alert tone="info">
            Twilio is not set up on this server. The operator can set <code>TWILIO_ACCOUNT_SID</code> and <code>TWILIO_AUTH_TOKEN</code>{" "}
            (or run <code>npm run dev</code>, which starts a local sandbox), or you can connect your own Twilio account below.
          </Alert>
        )}

        <Card title="Numbers" description={`Calls today count from midnight, ${tz} time.`}>
          {numbers.length > 0 ? (
            <NumbersList slug={team.slug} numbers={numbers} agents={agents} canManage={canManage} />
          ) : (
            <EmptyState title="No numbers yet">
              {canManage
                ? "Buy a number below, or import one the team already owns in Twilio. Then pick the agent that answers it."
                : "An owner or admin can buy or import numbers and choose the agent that answers them."}
            </EmptyState>
          )}
          {canManage && agents.length === 0 && (
            <p className="mt-3 text-sm text-slate-600">
              The team has no agents yet.{" "}
              <Link href={`/t/${team.slug}/agents`} className="font-medium text-brand-700 hover:underline">
                Create an agent
              </Link>{" "}
              to answer calls.
            </p>
          )}
          {!canManage && <p className="mt-3 text-xs text-slate-500">You can view numbers. Only owners and admins can change them.</p>}
        </Card>

        {canBuy && (
          <Card title="Buy a number" description="Local numbers that can take voice calls. The number is set up to ring your agent as soon as it is bought.">
            <BuyNumberPanel slug={team.slug} agents={agents} countries={NUMBER_COUNTRIES} />
          </Card>
        )}

        {canManage && (summary.accountSid || summary.mode === "own_account") && (
          <Card title="Import from Twilio" description="Numbers the team already owns in its Twilio account, not yet used here.">
            <ImportNumbersPanel slug={team.slug} agents={agents} />
          </Card>
        )}

        <Card title="Twilio account">
          <TwilioAccountPanel slug={team.slug} summary={summary} canManage={canManage} />
        </Card>

        {released.length > 0 && (
          <Card title="Released numbers" description="Kept for call history. They no longer receive calls.">
            <ul className="divide-y divide-slate-100 text-sm" aria-label="Released numbers">
              {released.map((n) => (
                <li key={n.id} className="flex flex-wrap justify-between gap-2 py-2" data-testid={`released-${n.e164}`}>
                  <span className="font-mono text-slate-700">{n.e164}</span>
                  <span className="text-slate-500">
                    {n.source === "imported" ? "Imported" : "Bought"} {localDay(tz, n.createdAt)}
                    {n.releasedAt ? `, released ${localDay(tz, n.releasedAt)}` : ""}
                  </span>
                </li>
              ))}
            </ul>
          </Card>
        )}
      </div>
    </>
  );
}
