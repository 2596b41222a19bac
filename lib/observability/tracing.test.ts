import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { getTracer, initTracing, type TTracing } from "./tracing";

let tracing: TTracing | null = null;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = null;
});

describe("initTracing over OTLP/HTTP", () => {
  it("posts spans to {endpoint}/v1/traces with the configured headers and service name, and unregisters on shutdown", async () => {
    const received: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const { port } = collector.address() as { port: number };
    try {
      tracing = await initTracing({ serviceName: "voice-otlp-test", endpoint: `http://127.0.0.1:${port}/`, headers: { "x-api-key": "k-123" } });
      await expect(initTracing({ serviceName: "again", endpoint: "http://127.0.0.1:1" })).rejects.toThrow(/already/);
      const tracer = getTracer("test");
      expect(tracer).not.toBeNull();
      tracer!.startSpan("call", { attributes: { "call.id": "c-1" } }).end();
      await tracing.shutdown();
      expect(getTracer("test")).toBeNull();
      expect(received).toHaveLength(1);
      expect(received[0]?.url).toBe("/v1/traces");
      expect(received[0]?.headers["x-api-key"]).toBe("k-123");
      expect(received[0]?.body).toContain("voice-otlp-test");
      expect(received[0]?.body).toContain("c-1");
    } finally {
      collector.close();
    }
  });
});
