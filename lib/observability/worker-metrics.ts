import { MetricsRegistry } from "./metrics";

const JOB_BUCKETS_MS = [10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000];

// The worker's metrics: every background job it runs (post-call analysis, webhook deliveries, rollup flushes,
// recording uploads, recovery sweeps), counted by result and timed, and the analysis backlog read at scrape time.
export function createWorkerMetrics() {
  const registry = new MetricsRegistry();
  return {
    registry,
    jobs: registry.counter("worker_jobs_total", "Background jobs run, by job and result (ok, failed, retried).", ["job", "result"]),
    jobDuration: registry.histogram("worker_job_duration_ms", "Background job duration (ms).", JOB_BUCKETS_MS, ["job"]),
    // Wire with `.collect(async () => count of calls whose analysis is pending)`.
    analysesPending: registry.gauge("worker_analyses_pending", "Ended calls whose post-call analysis has not finished."),
  };
}
export type TWorkerMetrics = ReturnType<typeof createWorkerMetrics>;

// Runs `job`, counting and timing it: `await timeJob(metrics, "analysis", () => analyzeCall(...))`.
export async function timeJob<T>(metrics: TWorkerMetrics, job: string, run: () => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  try {
    const result = await run();
    metrics.jobs.inc({ job, result: "ok" });
    return result;
  } catch (error) {
    metrics.jobs.inc({ job, result: "failed" });
    throw error;
  } finally {
    metrics.jobDuration.observe(performance.now() - startedAt, { job });
  }
}
