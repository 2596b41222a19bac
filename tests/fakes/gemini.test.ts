import { GoogleGenAI, Type } from "@google/genai";
import { afterEach, describe, expect, it } from "vitest";
import { FakeGemini } from "./gemini";

let fake: FakeGemini | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const hello = { contents: [{ role: "user", parts: [{ text: "hello" }] }] };

function post(path: string, body: unknown, key: string | null = "test-gemini-key") {
  return fetch(`${fake?.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(key ? { "x-goog-api-key": key } : {}) },
    body: JSON.stringify(body),
  });
}

describe("FakeGemini", () => {
  it("streams SSE events exactly as `data: {json}\\r\\n\\r\\n`", async () => {
    fake = await FakeGemini.start({ firstTokenLatencyMs: 0, interChunkDelayMs: 0, respond: () => ["Hel", "lo!"] });
    const response = await post("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", hello);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const raw = await response.text();
    const events = raw.split("\r\n\r\n");
    expect(events.pop()).toBe("");
    expect(events).toHaveLength(2);
    const parsed = events.map((event) => {
      expect(event.startsWith("data: {")).toBe(true);
      expect(event).not.toContain("\n");
      return JSON.parse(event.slice(6)) as Record<string, unknown>;
    });
    expect(parsed[0]).toMatchObject({
      candidates: [{ content: { role: "model", parts: [{ text: "Hel" }] }, index: 0 }],
      modelVersion: "gemini-2.5-flash",
    });
    expect(parsed[1]).toMatchObject({ candidates: [{ content: { parts: [{ text: "lo!" }] }, finishReason: "STOP" }] });
    expect(parsed[1]?.usageMetadata).toMatchObject({ candidatesTokenCount: expect.any(Number) });
  });

  it("routes v1 and v1beta, and answers the real SDK's unary and structured-output calls", async () => {
    fake = await FakeGemini.start({
      firstTokenLatencyMs: 0,
      respond: ({ method, body }) =>
        method === "generateContent" && body.generationConfig?.responseMimeType === "application/json"
          ? { json: { outcome: "booked", partySize: 4 } }
          : "Plain answer.",
    });
    const ai = new GoogleGenAI({ apiKey: "test-gemini-key", httpOptions: { baseUrl: fake.url } });
    const plain = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "hi" });
    expect(plain.text).toBe("Plain answer.");
    const structured = await ai.models.generateContent({
      model: "gemini-2.5-flash",
      contents: "Summarise the call",
      config: {
        responseMimeType: "application/json",
        responseSchema: { type: Type.OBJECT, properties: { outcome: { type: Type.STRING } } },
      },
    });
    expect(JSON.parse(structured.text ?? "")).toEqual({ outcome: "booked", partySize: 4 });
    expect(fake.requests[1]?.body.generationConfig).toMatchObject({
      responseMimeType: "application/json",
      responseSchema: { type: "OBJECT" },
    });
    const v1 = await post("/v1/models/gemini-2.5-flash:generateContent", hello);
    expect(v1.status).toBe(200);
    const array = await post("/v1beta/models/gemini-2.5-flash:streamGenerateContent", hello);
    expect(Array.isArray(await array.json())).toBe(true);
  });

  it("answers key problems and injected faults with Google's error JSON", async () => {
    fake = await FakeGemini.start({ firstTokenLatencyMs: 0 });
    const path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
    const missing = await post(path, hello, null);
    expect(missing.status).toBe(403);
    const wrong = await post(path, hello, "bad");
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({
      error: { code: 400, status: "INVALID_ARGUMENT", details: [{ reason: "API_KEY_INVALID" }] },
    });
    fake.faults.push({ kind: "status", status: 429 });
    const limited = await post(path, hello);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      error: { code: 429, message: "Resource has been exhausted (e.g. check quota).", status: "RESOURCE_EXHAUSTED" },
    });
    fake.faults.push({ kind: "error-chunk", afterChunks: 0, status: 503 });
    const inStream = await post(path, hello);
    expect(inStream.status).toBe(200);
    expect(await inStream.text()).toBe(
      'data: {"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}\r\n\r\n',
    );
  });

  it("rejects histories the real API rejects", async () => {
    fake = await FakeGemini.start({ firstTokenLatencyMs: 0 });
    const path = "/v1beta/models/gemini-2.5-flash:generateContent";
    const cases: [unknown, string][] = [
      [{ contents: [] }, "contents is not specified"],
      [{ contents: [{ role: "user", parts: [{ text: "" }] }] }, "empty text parameter"],
      [
        {
          contents: [
            { role: "user", parts: [{ text: "a" }] },
            { role: "user", parts: [{ text: "b" }] },
          ],
        },
        "alternate between user and model",
      ],
      [
        {
          contents: [
            { role: "user", parts: [{ text: "a" }] },
            { role: "model", parts: [{ functionCall: { name: "f", args: {} } }] },
            { role: "user", parts: [{ text: "b" }] },
          ],
        },
        "number of function response parts",
      ],
      [
        {
          contents: [
            { role: "user", parts: [{ text: "a" }] },
            { role: "model", parts: [{ text: "b" }] },
            { role: "user", parts: [{ functionResponse: { name: "f", response: {} } }] },
          ],
        },
        "function response turn comes immediately after a function call turn",
      ],
    ];
    for (const [body, message] of cases) {
      const response = await post(path, body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(message);
    }
    // The legacy SDK's `function` role for results is accepted.
    const legacy = await post(path, {
      contents: [
        { role: "user", parts: [{ text: "a" }] },
        { role: "model", parts: [{ functionCall: { name: "f", args: {} } }] },
        { role: "function", parts: [{ functionResponse: { name: "f", response: { ok: true } } }] },
      ],
    });
    expect(legacy.status).toBe(200);
  });

  it("signs function calls and demands the signature back", async () => {
    fake = await FakeGemini.start({
      firstTokenLatencyMs: 0,
      respond: ({ functionResponses }) =>
        functionResponses.length
          ? "ok"
          : [{ functionCall: { name: "f", args: { a: 1 } } }, { functionCall: { name: "g" } }],
    });
    const path = "/v1beta/models/gemini-3-flash:generateContent";
    const first = (await (await post(path, hello)).json()) as {
      candidates: { content: { parts: Record<string, unknown>[] } }[];
    };
    const parts = first.candidates[0]?.content.parts ?? [];
    expect(parts[0]?.thoughtSignature).toEqual(expect.any(String));
    expect(parts[1]).not.toHaveProperty("thoughtSignature");
    const history = (modelParts: unknown[]) => ({
      contents: [
        ...hello.contents,
        { role: "model", parts: modelParts },
        {
          role: "user",
          parts: [{ functionResponse: { name: "f", response: {} } }, { functionResponse: { name: "g", response: {} } }],
        },
      ],
    });
    expect((await post(path, history(parts))).status).toBe(200);
    const stripped = parts.map(({ thoughtSignature: _s, ...rest }) => rest);
    const rejected = await post(path, history(stripped));
    expect(rejected.status).toBe(400);
    expect(JSON.stringify(await rejected.json())).toContain("missing a thought_signature");
  });
});
