import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { TS3Config } from "./config";
import { rangeSpec, RECORDING_CONTENT_TYPE, s3RecordingKey, type TRecordingRead, type TRecordingStore } from "./store";

export type TS3RecordingStore = TRecordingStore & { readonly bucket: string; readonly client: S3Client };

export type TS3StoreOptions = {
  maxAttempts?: number;
  requestTimeoutMs?: number;
};

// Recordings as objects in an S3-compatible bucket (AWS S3, MinIO, R2 ...).
export function createS3RecordingStore(config: TS3Config, options: TS3StoreOptions = {}): TS3RecordingStore {
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: options.requestTimeoutMs ?? 60_000 },
    // The SDK's default CRC checksums are refused by several S3-compatible services; AWS does not require them.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const Bucket = config.bucket;

  const size = async (key: string): Promise<number | null> => {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  };

  return {
    storage: "s3",
    bucket: Bucket,
    client,
    keyFor: (teamId, callId) => s3RecordingKey(config.prefix, teamId, callId),
    async put(key, body) {
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: key,
          Body: body,
          ContentLength: body.byteLength,
          ContentType: RECORDING_CONTENT_TYPE,
          // The bucket encrypts too (SSE-S3), on top of our own encryption: a copy or a backup of the bucket made
          // by someone holding neither key reads nothing.
          ServerSideEncryption: "AES256",
        }),
      );
    },
    async read(key, rangeHeader): Promise<TRecordingRead> {
      const spec = rangeSpec(rangeHeader);
      if (spec && spec.first === null && spec.last === null) {
        const total = await size(key);
        return total === null ? { kind: "missing" } : { kind: "unsatisfiable", totalSize: total };
      }
      const Range = spec ? `bytes=${spec.first ?? ""}-${spec.last ?? ""}` : undefined;
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: key, Range }));
        const body = object.Body;
        if (!(body instanceof Readable)) throw new Error("S3 GetObject returned no readable body");
        const contentRange = object.ContentRange ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(object.ContentRange) : null;
        if (contentRange) {
          return {
            kind: "ok",
            body,
            totalSize: Number(contentRange[3]),
            range: { start: Number(contentRange[1]), end: Number(contentRange[2]) },
          };
        }
        return { kind: "ok", body, totalSize: object.ContentLength ?? 0, range: null };
      } catch (error) {
        if (isNotFound(error)) return { kind: "missing" };
        if (
          error instanceof S3ServiceException &&
          (error.name === "InvalidRange" || error.$metadata.httpStatusCode === 416)
        ) {
          const total = await size(key);
          return total === null ? { kind: "missing" } : { kind: "unsatisfiable", totalSize: total };
        }
        throw error;
      }
    },
    size,
    async remove(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
  };
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return (
    error.name === "NoSuchKey" ||
    error.name === "NotFound" ||
    (error.$metadata.httpStatusCode === 404 && error.name !== "NoSuchBucket")
  );
}
