"use client";
import { Button } from "@/components/ui/button";

export default function TeamError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-lg bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
      <h2 className="text-lg font-semibold">This page failed to load</h2>
      <p className="mt-2 text-sm text-slate-500">Try again; if it keeps failing, the error reference is {error.digest ?? "unavailable"}.</p>
      <Button className="mt-4" onClick={reset}>Try again</Button>
    </div>
  );
}
