// Next.js runs register() once when a server process starts: logging, metrics and tracing for the web process.
export async function register(): Promise<void> {
  // NEXT_RUNTIME is set by Next.js itself (not configuration): the Node.js server, never the edge runtime.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startWebObservability } = await import("@/lib/observability/web");
  await startWebObservability();
  // Messages and captured fields are stored sealed under each team's data key; the app reads them with this ring.
  const { ensureWebFieldEncryption } = await import("@/lib/crypto/web-key-ring");
  ensureWebFieldEncryption();
}
