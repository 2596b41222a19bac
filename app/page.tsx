import Link from "next/link";
import { buttonClass } from "@/components/ui/button-class";

const FEATURES = [
  ["Answers every call", "Your agent picks up in under a second, greets callers in your words, and answers from your knowledge base."],
  ["Knows when to hand off", "It transfers to the right department with a spoken handoff, or takes a message when nobody is free."],
  ["Barge-in that works", "Callers can interrupt at any time; the agent stops talking at once and remembers only what was heard."],
  ["Every call on record", "Transcript, outcome, sentiment and per-turn latency for each call, in a dashboard your whole team can use."],
];

export default function LandingPage() {
  return (
    <div className="min-h-screen bg-white">
      <header className="mx-auto flex max-w-6xl items-center justify-between px-6 py-5">
        <span className="flex items-center gap-2 text-lg font-semibold">
          <span className="grid size-8 place-items-center rounded-md bg-brand-600 text-white" aria-hidden>☎</span>
          AI Call Agent
        </span>
        <nav className="flex items-center gap-3">
          <Link href="/signin" className={buttonClass("ghost")}>Sign in</Link>
          <Link href="/signup" className={buttonClass("primary")}>Get started</Link>
        </nav>
      </header>
      <main className="mx-auto max-w-6xl px-6">
        <section className="py-20 text-center">
          <h1 className="mx-auto max-w-3xl text-4xl font-semibold tracking-tight text-slate-900 sm:text-5xl">
            An AI receptionist that answers your business&apos;s phone
          </h1>
          <p className="mx-auto mt-6 max-w-2xl text-lg text-slate-600">
            Configure an agent with your greeting, knowledge and departments, attach your phone numbers, and every caller
            talks to it. It answers questions, transfers to your team when it should, and logs every call.
          </p>
          <div className="mt-10 flex justify-center gap-3">
            <Link href="/signup" className={buttonClass("primary", "px-5 py-2.5 text-base")}>Create your agent</Link>
            <Link href="/signin" className={buttonClass("secondary", "px-5 py-2.5 text-base")}>Sign in</Link>
          </div>
        </section>
        <section className="grid gap-6 pb-24 sm:grid-cols-2">
          {FEATURES.map(([title, text]) => (
            <div key={title} className="rounded-lg bg-slate-50 p-6 ring-1 ring-slate-200">
              <h2 className="font-semibold text-slate-900">{title}</h2>
              <p className="mt-2 text-sm text-slate-600">{text}</p>
            </div>
          ))}
        </section>
      </main>
    </div>
  );
}
