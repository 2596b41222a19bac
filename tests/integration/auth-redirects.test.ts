import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";

// `next` after signing in or up only goes to a path of this site. Before the fix https://evil.example,
// //evil.example, /\evil.example and javascript: were all followed. The real server actions and pages run against a
// real database; only Auth.js (its signIn records where it was told to redirect) and Next's request APIs are stubbed.
const state = vi.hoisted(() => ({
  session: null as null | { user: { id: string; email: string } },
  redirects: [] as string[],
}));
vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));
// next-auth's ESM build imports "next/server" without an extension, which only Next's bundler resolves.
vi.mock("next-auth", () => ({ AuthError: class extends Error {}, CredentialsSignin: class extends Error {} }));
vi.mock("@/lib/auth/auth", () => ({
  auth: async () => state.session,
  signIn: async (_provider: string, options: { redirectTo: string }) => {
    state.redirects.push(options.redirectTo);
  },
  signOut: async () => {},
}));

const t = await createTestDb();
process.env.DATABASE_URL = t.url;
afterAll(() => t.drop());
const actions = await import("@/app/(auth)/actions");
const signInPage = (await import("@/app/(auth)/signin/page")).default;
const signUpPage = (await import("@/app/(auth)/signup/page")).default;

const HOSTILE = ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/%2F%2Fevil.example", "%2F%2Fevil.example", "/\t/evil.example"];

function form(values: Record<string, string>) {
  const data = new FormData();
  for (const [k, v] of Object.entries(values)) data.set(k, v);
  return data;
}

async function redirectOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  const digest = String((error as { digest?: string } | null)?.digest ?? "");
  expect(digest.startsWith("NEXT_REDIRECT")).toBe(true);
  return digest.split(";")[2] ?? "";
}

beforeEach(() => {
  state.redirects = [];
  state.session = null;
});

describe("next after sign-in and sign-up", async () => {
  const user = await signUp(t.db, { name: "U", email: "u@example.test", password: "password-uuuu", companyName: "U Co" });

  it.each(HOSTILE)("sign-in with next=%j goes to the dashboard", async (next) => {
    await actions.signInAction(undefined, form({ email: "u@example.test", password: "password-uuuu", next }));
    expect(state.redirects).toEqual(["/dashboard"]);
  });

  it("sign-in keeps a path of this site", async () => {
    await actions.signInAction(undefined, form({ email: "u@example.test", password: "password-uuuu", next: "/invite/abc_DEF-123" }));
    expect(state.redirects).toEqual(["/invite/abc_DEF-123"]);
  });

  it.each(HOSTILE)("sign-up with next=%j goes to the new team", async (next) => {
    const email = `new-${Math.random().toString(36).slice(2)}@example.test`;
    await actions.signUpAction(undefined, form({ name: "N", email, password: "password-nnnn", companyName: "New Co", next }));
    expect(state.redirects).toHaveLength(1);
    expect(state.redirects[0]).toMatch(/^\/t\/new-co(-[a-z0-9]+)?$/);
  });

  it.each(HOSTILE)("an already signed-in visitor of /signin or /signup?next=%j goes to the dashboard", async (next) => {
    state.session = { user: { id: user.user.id, email: user.user.email } };
    expect(await redirectOf(signInPage({ searchParams: Promise.resolve({ next }) }))).toBe("/dashboard");
    expect(await redirectOf(signUpPage({ searchParams: Promise.resolve({ next }) }))).toBe("/dashboard");
  });

  it("an already signed-in visitor follows a local next", async () => {
    state.session = { user: { id: user.user.id, email: user.user.email } };
    expect(await redirectOf(signInPage({ searchParams: Promise.resolve({ next: "/t/u-co/calls" }) }))).toBe("/t/u-co/calls");
  });
});
