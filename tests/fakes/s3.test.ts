import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeS3, type TS3Credentials } from "./s3";

// Driven through the real @aws-sdk/client-s3, so these also pin down what the app's S3 code can rely on.

let fake: FakeS3;
beforeEach(async () => {
  fake = await FakeS3.start({ buckets: ["recordings"] });
});
afterEach(async () => {
  await fake.close();
});

function client(
  credentials: TS3Credentials = fake.credentials,
  options: { region?: string; maxAttempts?: number } = {},
) {
  return new S3Client({
    region: options.region ?? fake.region,
    endpoint: fake.url,
    forcePathStyle: true,
    credentials,
    maxAttempts: options.maxAttempts ?? 1,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

async function s3Error(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(S3ServiceException);
  return error as S3ServiceException;
}

const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

describe("FakeS3 through @aws-sdk/client-s3", () => {
  it("stores, reads, heads and deletes an object; keys with spaces and unicode survive signing", async () => {
    const s3 = client();
    const key = "team a/ré call+1.wav";
    const put = await s3.send(
      new PutObjectCommand({ Bucket: "recordings", Key: key, Body: body, ContentType: "audio/wav" }),
    );
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(fake.object("recordings", key)?.body.equals(body)).toBe(true);

    const got = await s3.send(new GetObjectCommand({ Bucket: "recordings", Key: key }));
    expect(got.ContentType).toBe("audio/wav");
    expect(got.ContentLength).toBe(1000);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);

    const head = await s3.send(new HeadObjectCommand({ Bucket: "recordings", Key: key }));
    expect(head.ContentLength).toBe(1000);
    expect(head.ETag).toBe(put.ETag);

    await s3.send(new DeleteObjectCommand({ Bucket: "recordings", Key: key }));
    expect(fake.object("recordings", key)).toBeUndefined();
    const missing = await s3Error(s3.send(new GetObjectCommand({ Bucket: "recordings", Key: key })));
    expect(missing.name).toBe("NoSuchKey");
    expect(missing.$metadata.httpStatusCode).toBe(404);
    const missingHead = await s3Error(s3.send(new HeadObjectCommand({ Bucket: "recordings", Key: key })));
    expect(missingHead.name).toBe("NotFound");
  });

  it("answers byte ranges with 206 and Content-Range, and unsatisfiable ones with InvalidRange", async () => {
    const s3 = client();
    fake.putObject("recordings", "a.wav", body, "audio/wav");
    const first = await s3.send(new GetObjectCommand({ Bucket: "recordings", Key: "a.wav", Range: "bytes=10-19" }));
    expect(first.$metadata.httpStatusCode).toBe(206);
    expect(first.ContentRange).toBe("bytes 10-19/1000");
    expect([...(await first.Body!.transformToByteArray())]).toEqual([...body.subarray(10, 20)]);

    const tail = await s3.send(new GetObjectCommand({ Bucket: "recordings", Key: "a.wav", Range: "bytes=-5" }));
    expect(tail.ContentRange).toBe("bytes 995-999/1000");
    const open = await s3.send(new GetObjectCommand({ Bucket: "recordings", Key: "a.wav", Range: "bytes=990-" }));
    expect(open.ContentLength).toBe(10);

    const beyond = await s3Error(
      s3.send(new GetObjectCommand({ Bucket: "recordings", Key: "a.wav", Range: "bytes=5000-" })),
    );
    expect(beyond.name).toBe("InvalidRange");
    expect(beyond.$metadata.httpStatusCode).toBe(416);
  });

  it("verifies the SigV4 signature: a wrong secret, an unknown key or the wrong region are refused", async () => {
    const wrongSecret = await s3Error(
      client({ accessKeyId: fake.credentials.accessKeyId, secretAccessKey: "not-the-secret" }).send(
        new PutObjectCommand({ Bucket: "recordings", Key: "x.wav", Body: body }),
      ),
    );
    expect(wrongSecret.name).toBe("SignatureDoesNotMatch");
    expect(wrongSecret.$metadata.httpStatusCode).toBe(403);
    expect(fake.object("recordings", "x.wav")).toBeUndefined();

    const unknown = await s3Error(
      client({ accessKeyId: "AKIAUNKNOWN", secretAccessKey: "s" }).send(
        new GetObjectCommand({ Bucket: "recordings", Key: "x.wav" }),
      ),
    );
    expect(unknown.name).toBe("InvalidAccessKeyId");

    const region = await s3Error(
      client(fake.credentials, { region: "eu-west-1" }).send(
        new GetObjectCommand({ Bucket: "recordings", Key: "x.wav" }),
      ),
    );
    expect(region.name).toBe("AuthorizationHeaderMalformed");
  });

  it("refuses a body that does not match its signed payload hash", async () => {
    const s3 = client();
    s3.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown };
        // Same length, different bytes: only the payload hash can tell.
        request.body = Buffer.alloc(body.length, 7);
        return next(args);
      },
      { step: "finalizeRequest", priority: "low", name: "tamper" },
    );
    const error = await s3Error(s3.send(new PutObjectCommand({ Bucket: "recordings", Key: "t.wav", Body: body })));
    expect(error.name).toBe("XAmzContentSHA256Mismatch");
  });

  it("reports a missing bucket as NoSuchBucket", async () => {
    const error = await s3Error(client().send(new PutObjectCommand({ Bucket: "nope", Key: "k", Body: body })));
    expect(error.name).toBe("NoSuchBucket");
  });

  it("injects faults for the next matching requests, then recovers; the SDK retries 5xx", async () => {
    fake.faults.push(
      { status: 503, code: "SlowDown", message: "Please reduce your request rate." },
      1,
      (r) => r.operation === "PutObject",
    );
    const once = client(fake.credentials, { maxAttempts: 1 });
    const error = await s3Error(once.send(new PutObjectCommand({ Bucket: "recordings", Key: "f.wav", Body: body })));
    expect(error.name).toBe("SlowDown");
    await once.send(new PutObjectCommand({ Bucket: "recordings", Key: "f.wav", Body: body }));
    expect(fake.object("recordings", "f.wav")).toBeDefined();

    fake.faults.push({ status: 500, code: "InternalError" }, 2);
    const retrying = client(fake.credentials, { maxAttempts: 3 });
    await retrying.send(new PutObjectCommand({ Bucket: "recordings", Key: "g.wav", Body: body }));
    expect(fake.requests.filter((r) => r.key === "g.wav").map((r) => r.status)).toEqual([500, 500, 200]);

    fake.faults.push({ kind: "reset" }, 1);
    await expect(once.send(new GetObjectCommand({ Bucket: "recordings", Key: "g.wav" }))).rejects.toThrow();
    const after = await once.send(new GetObjectCommand({ Bucket: "recordings", Key: "g.wav" }));
    expect(after.ContentLength).toBe(1000);
  });

  it("adds latency to every request", async () => {
    fake.latencyMs = 150;
    const startedAt = Date.now();
    await client().send(new PutObjectCommand({ Bucket: "recordings", Key: "l.wav", Body: body }));
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);
  });
});
