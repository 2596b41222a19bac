import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { callEvents, calls, departments, teams, type NewCall } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { listNumbers } from "@/lib/numbers/list-numbers";
import { signUp } from "@/lib/teams/sign-up";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { updateTeamSettings } from "@/lib/teams/update-team-settings";
import { createTestDb } from "@/tests/helpers/db";
import { dailySeries, hourOfWeek, loadDashboard, rangeFromSearchParams } from "./queries";
import { rebuildRollups } from "./rollup";

// The dashboard in the team's time zone: the days, "today" and the heatmap follow local time, and two teams in
// different zones each see their own.

const t = await createTestDb();
afterAll(() => t.drop());

async function seedTeam(label: string, agentZone: string | null) {
  const { user, team } = await signUp(t.db, { name: label, email: `${label}@tz.test`, password: `password-${label}`, companyName: `${label} Co` });
  const actor = { userId: user.id, label: user.email };
  const agent = agentZone ? await createAgent(t.db, team, actor, { templateKey: "receptionist", timeZone: agentZone }) : null;
  return { team, actor, agent };
}

function call(teamId: string, startedAt: string, extra: Partial<NewCall> = {}): NewCall {
  return { teamId, direction: "inbound", status: "completed", outcome: "resolved", startedAt: new Date(startedAt), durationSec: 60, ...extra };
}

describe("team time zone", () => {
  it("defaults to the first agent's business-hours zone, else UTC, and a saved zone wins", async () => {
    const { team, actor } = await seedTeam("zoneless", null);
    expect(await teamTimeZone(t.db, team)).toBe("UTC");
    const first = await createAgent(t.db, team, actor, { templateKey: "receptionist", timeZone: "America/Denver" });
    await createAgent(t.db, team, actor, { templateKey: "receptionist", timeZone: "Europe/Paris" });
    expect(first.config.businessHours.timeZone).toBe("America/Denver");
    expect(await teamTimeZone(t.db, team)).toBe("America/Denver");
    const saved = await updateTeamSettings(t.db, team, actor, { name: team.name, concurrentCallLimit: 5, timeZone: "Asia/Tokyo" });
    expect(saved.timeZone).toBe("Asia/Tokyo");
    expect(await teamTimeZone(t.db, saved)).toBe("Asia/Tokyo");
  });

  it("refuses a zone that is not a real IANA name, and keeps the zone when a form leaves it out", async () => {
    const { team, actor } = await seedTeam("badzone", "Europe/Berlin");
    const { ZTeamSettings } = await import("@/lib/teams/update-team-settings");
    expect(ZTeamSettings.safeParse({ name: "x", concurrentCallLimit: 5, timeZone: "Mars/Olympus" }).success).toBe(false);
    expect(ZTeamSettings.safeParse({ name: "x", concurrentCallLimit: 5, timeZone: "EST5EDT; drop table teams" }).success).toBe(false);
    const set = await updateTeamSettings(t.db, team, actor, { name: team.name, concurrentCallLimit: 5, timeZone: "Europe/Lisbon" });
    const renamed = await updateTeamSettings(t.db, set, actor, { name: "Renamed", concurrentCallLimit: 5 });
    expect(renamed.timeZone).toBe("Europe/Lisbon");
    const [row] = await t.db.select({ tz: teams.timeZone }).from(teams).where(eq(teams.id, team.id));
    expect(row?.tz).toBe("Europe/Lisbon");
  });
});

describe("analytics in the team's zone", () => {
  it("counts a call on its local day and hour, and each team in its own zone", async () => {
    const ny = await seedTeam("newyork", "America/New_York");
    const tokyo = await seedTeam("tokyo", "Asia/Tokyo");
    // 2030-07-05 02:30 UTC is 22:30 on Thursday July 4th in New York and 11:30 on Friday July 5th in Tokyo.
    await t.db.insert(calls).values([
      call(ny.team.id, "2030-07-05T02:30:00Z"),
      call(ny.team.id, "2030-07-05T15:00:00Z"), // 11:00 Friday in New York
      call(ny.team.id, "2030-07-05T03:00:00Z", { isTest: true }), // never counts
      call(tokyo.team.id, "2030-07-05T02:30:00Z"),
    ]);
    await rebuildRollups(t.db);
    const nyTz = await teamTimeZone(t.db, ny.team);
    const nyRange = rangeFromSearchParams({ from: "2030-07-04", to: "2030-07-05" }, new Date(), nyTz);
    expect(nyRange).toMatchObject({ from: new Date("2030-07-04T04:00:00Z"), to: new Date("2030-07-06T04:00:00Z"), firstDay: "2030-07-04", lastDay: "2030-07-05" });
    const nyDays = await dailySeries(t.db, ny.team.id, nyRange, nyTz);
    expect(nyDays.map((d) => [d.day, d.calls])).toEqual([
      ["2030-07-04", 1],
      ["2030-07-05", 1],
    ]);
    const nyHeat = (await hourOfWeek(t.db, ny.team.id, nyRange, nyTz)).filter((c) => c.calls > 0);
    expect(nyHeat).toEqual([
      { dow: 4, hour: 22, calls: 1 },
      { dow: 5, hour: 11, calls: 1 },
    ]);

    const tokyoTz = await teamTimeZone(t.db, tokyo.team);
    const tokyoRange = rangeFromSearchParams({ from: "2030-07-04", to: "2030-07-05" }, new Date(), tokyoTz);
    const tokyoDash = await loadDashboard(t.db, tokyo.team.id, tokyoRange, tokyoTz);
    expect(tokyoDash.totals.calls).toBe(1);
    expect(tokyoDash.daily.map((d) => [d.day, d.calls])).toEqual([
      ["2030-07-04", 0],
      ["2030-07-05", 1],
    ]);
    expect(tokyoDash.heatmap.filter((c) => c.calls > 0)).toEqual([{ dow: 5, hour: 11, calls: 1 }]);
  });

  it("half-hour zones: each UTC hour counts in the local hour and day it starts in", async () => {
    const india = await seedTeam("india", "Asia/Kolkata");
    await t.db.insert(calls).values([
      call(india.team.id, "2030-07-01T18:40:00Z"), // 00:10 IST July 2nd, in the UTC hour that starts 23:30 July 1st
      call(india.team.id, "2030-07-01T19:10:00Z"), // 00:40 IST July 2nd
    ]);
    await rebuildRollups(t.db, india.team.id);
    const range = rangeFromSearchParams({ from: "2030-07-01", to: "2030-07-02" }, new Date(), "Asia/Kolkata");
    const days = await dailySeries(t.db, india.team.id, range, "Asia/Kolkata");
    expect(days.map((d) => [d.day, d.calls])).toEqual([
      ["2030-07-01", 1],
      ["2030-07-02", 1],
    ]);
    const heat = (await hourOfWeek(t.db, india.team.id, range, "Asia/Kolkata")).filter((c) => c.calls > 0);
    expect(heat).toEqual([
      { dow: 1, hour: 23, calls: 1 },
      { dow: 2, hour: 0, calls: 1 },
    ]);
  });

  it("numbers count today's calls from local midnight", async () => {
    const la = await seedTeam("losangeles", "America/Los_Angeles");
    const { phoneNumbers } = await import("@/db/schema");
    const [number] = await t.db
      .insert(phoneNumbers)
      .values({ teamId: la.team.id, e164: "+13105550100", twilioSid: "PNla1", twilioAccountSid: "AC0", source: "imported" })
      .returning();
    // At 01:00 UTC on July 5th it is 18:00 on July 4th in Los Angeles: a call at 20:00 UTC on the 4th is today.
    await t.db.insert(calls).values([
      call(la.team.id, "2030-07-04T20:00:00Z", { phoneNumberId: number!.id }),
      call(la.team.id, "2030-07-04T06:00:00Z", { phoneNumberId: number!.id }), // 23:00 on July 3rd local
    ]);
    const now = new Date("2030-07-05T01:00:00Z");
    expect((await listNumbers(t.db, la.team.id, now, "America/Los_Angeles")).active[0]?.callsToday).toBe(1);
    expect((await listNumbers(t.db, la.team.id, now, "UTC")).active[0]?.callsToday).toBe(0);
  });
});

describe("transfers per department", () => {
  it("are labelled with the department's name, not the number dialled", async () => {
    const { team, agent } = await seedTeam("transfers", "UTC");
    const [dept] = await t.db.select().from(departments).where(eq(departments.agentId, agent!.id)).limit(1);
    expect(dept).toBeDefined();
    const [withEvent, legacy] = await t.db
      .insert(calls)
      .values([
        call(team.id, "2030-07-04T10:00:00Z", { outcome: "transferred", transferredTo: dept!.phoneNumber }),
        // A call whose transfer event was lost: the number still resolves to the team's department.
        call(team.id, "2030-07-04T11:00:00Z", { outcome: "transferred", transferredTo: dept!.phoneNumber }),
      ])
      .returning();
    await t.db.insert(callEvents).values({ teamId: team.id, callId: withEvent!.id, atMs: 1000, kind: "transfer", name: dept!.name, data: { to: dept!.phoneNumber } });
    expect(legacy).toBeDefined();
    await rebuildRollups(t.db, team.id);
    const range = rangeFromSearchParams({ from: "2030-07-04", to: "2030-07-04" }, new Date(), "UTC");
    const dash = await loadDashboard(t.db, team.id, range, "UTC");
    expect(dash.transfers).toEqual([{ department: dept!.name, transfers: 2 }]);
    expect(JSON.stringify(dash.transfers)).not.toContain(dept!.phoneNumber);
  });
});
