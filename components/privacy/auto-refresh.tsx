"use client";
import { useRouter } from "next/navigation";
import { useEffect } from "react";

// Re-renders the page every few seconds while a request of the register is still being worked on.
export function AutoRefresh({ isActive, intervalMs = 3000 }: { isActive: boolean; intervalMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!isActive) return;
    const timer = setInterval(() => router.refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [isActive, intervalMs, router]);
  return null;
}
