import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { FaultQueue, listenLocal, sleep } from "./faults";

// Fake S3-compatible object store speaking the REST protocol, path-style only (`{endpoint}/{bucket}/{key}`), for the
// real @aws-sdk/client-s3 with `forcePathStyle: true`. It checks every request's AWS Signature Version 4 (header
// form) the way S3 does, recomputed here from the raw request, so a client that signs wrongly fails as it would on
// AWS. Objects live in memory. Operations: PutObject, GetObject (with Range), HeadObject, DeleteObject,
// CreateBucket; anything else answers NotImplemented. Errors are S3's XML documents with S3's codes.

export type TS3Credentials = { accessKeyId: string; secretAccessKey: string };

export type TS3Operation = "PutObject" | "GetObject" | "HeadObject" | "DeleteObject" | "CreateBucket" | "Unsupported";

export type TS3RequestLog = {
  method: string;
  operation: TS3Operation;
  bucket: string;
  key: string;
  range: string | null;
  // x-amz-server-side-encryption as the client sent it (PutObject asks the bucket to encrypt the object).
  serverSideEncryption: string | null;
  accessKeyId: string | null;
  status: number;
  code?: string;
};

// An S3 error returned instead of handling the request, or the connection dropped before any answer.
export type TS3Fault = { status: number; code: string; message?: string } | { kind: "reset" };

export type TS3Object = { body: Buffer; contentType: string; etag: string; lastModified: Date; serverSideEncryption?: string };

export type TFakeS3Options = {
  region?: string;
  credentials?: TS3Credentials;
  buckets?: string[];
  latencyMs?: number;
  // Requests signed further than this from the fake's clock are refused (RequestTimeTooSkewed), as on S3.
  maxSkewMs?: number;
  port?: number;
};

const MAX_BODY_BYTES = 512 * 1024 * 1024;

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class FakeS3 {
  latencyMs: number;
  readonly region: string;
  readonly credentials: TS3Credentials;
  readonly buckets = new Map<string, Map<string, TS3Object>>();
  readonly requests: TS3RequestLog[] = [];
  readonly faults = new FaultQueue<TS3Fault, TS3RequestLog>();
  private readonly secrets = new Map<string, string>();
  private readonly maxSkewMs: number;

  private constructor(
    readonly url: string,
    private readonly closeServer: () => Promise<void>,
    options: TFakeS3Options,
  ) {
    this.latencyMs = options.latencyMs ?? 0;
    this.region = options.region ?? "us-east-1";
    this.maxSkewMs = options.maxSkewMs ?? 15 * 60_000;
    this.credentials = options.credentials ?? {
      accessKeyId: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString("base64"),
    };
    this.secrets.set(this.credentials.accessKeyId, this.credentials.secretAccessKey);
    for (const bucket of options.buckets ?? []) this.createBucket(bucket);
  }

  static async start(options: TFakeS3Options = {}): Promise<FakeS3> {
    const server = createServer();
    const listening = await listenLocal(server, options.port);
    const fake = new FakeS3(`http://127.0.0.1:${listening.port}`, listening.close, options);
    server.on("request", (req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        if (res.headersSent) return void res.destroy();
        sendError(
          res,
          req.method ?? "GET",
          new S3Error(500, "InternalError", `We encountered an internal error: ${String(error)}`),
        );
      });
    });
    return fake;
  }

  // Env for the app pointed at this fake (both processes read the same S3_* variables).
  env(bucket: string, prefix?: string): Record<string, string> {
    return {
      S3_BUCKET: bucket,
      S3_REGION: this.region,
      S3_ENDPOINT: this.url,
      S3_ACCESS_KEY_ID: this.credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: this.credentials.secretAccessKey,
      S3_FORCE_PATH_STYLE: "true",
      ...(prefix ? { S3_PREFIX: prefix } : {}),
    };
  }

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  addCredentials(credentials: TS3Credentials): void {
    this.secrets.set(credentials.accessKeyId, credentials.secretAccessKey);
  }

  object(bucket: string, key: string): TS3Object | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  putObject(bucket: string, key: string, body: Uint8Array, contentType = "application/octet-stream"): void {
    this.createBucket(bucket);
    const buffer = Buffer.from(body);
    this.buckets.get(bucket)?.set(key, { body: buffer, contentType, etag: etagOf(buffer), lastModified: new Date() });
  }

  async close(): Promise<void> {
    await this.closeServer();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    const queryAt = rawUrl.indexOf("?");
    const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    const rawQuery = queryAt === -1 ? "" : rawUrl.slice(queryAt + 1);
    const slash = rawPath.indexOf("/", 1);
    const bucket = decodeURIComponent(slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash));
    const key = slash === -1 ? "" : decodeURIComponent(rawPath.slice(slash + 1));
    const log: TS3RequestLog = {
      method,
      operation: operationOf(method, bucket, key, rawQuery),
      bucket,
      key,
      range: headerValue(req, "range") ?? null,
      serverSideEncryption: headerValue(req, "x-amz-server-side-encryption") ?? null,
      accessKeyId: null,
      status: 200,
    };
    this.requests.push(log);
    try {
      const body = await readBody(req);
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      log.accessKeyId = this.authenticate(req, method, rawPath, rawQuery, body);
      const fault = this.faults.take(log);
      if (fault && "kind" in fault) {
        log.status = 0;
        log.code = "reset";
        req.socket.destroy();
        return;
      }
      if (fault) throw new S3Error(fault.status, fault.code, fault.message ?? fault.code);
      this.route(req, res, log, body);
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      log.status = error.status;
      log.code = error.code;
      sendError(res, method, error, { bucket, key });
    }
  }

  private route(req: IncomingMessage, res: ServerResponse, log: TS3RequestLog, body: Buffer): void {
    const { operation, bucket, key } = log;
    if (operation === "Unsupported")
      throw new S3Error(
        501,
        "NotImplemented",
        "A header or query you provided implies functionality that is not implemented.",
      );
    if (operation === "CreateBucket") {
      if (this.buckets.has(bucket))
        throw new S3Error(
          409,
          "BucketAlreadyOwnedByYou",
          "Your previous request to create the named bucket succeeded and you already own it.",
        );
      this.createBucket(bucket);
      res.writeHead(200, { location: `/${bucket}`, ...requestIdHeaders() }).end();
      return;
    }
    const objects = this.buckets.get(bucket);
    if (!objects) throw new S3Error(404, "NoSuchBucket", "The specified bucket does not exist");
    if (operation === "PutObject") {
      const md5 = headerValue(req, "content-md5");
      if (md5 && md5 !== createHash("md5").update(body).digest("base64")) {
        throw new S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
      }
      const sse = log.serverSideEncryption;
      if (sse !== null && sse !== "AES256" && sse !== "aws:kms" && sse !== "aws:kms:dsse") {
        throw new S3Error(400, "InvalidArgument", "The encryption method specified is not supported");
      }
      const object = {
        body,
        contentType: headerValue(req, "content-type") ?? "binary/octet-stream",
        etag: etagOf(body),
        lastModified: new Date(),
        ...(sse ? { serverSideEncryption: sse } : {}),
      };
      objects.set(key, object);
      log.status = 200;
      res.writeHead(200, { etag: object.etag, ...(sse ? { "x-amz-server-side-encryption": sse } : {}), ...requestIdHeaders() }).end();
      return;
    }
    if (operation === "DeleteObject") {
      objects.delete(key);
      log.status = 204;
      res.writeHead(204, requestIdHeaders()).end();
      return;
    }
    const object = objects.get(key);
    if (!object) throw new S3Error(404, "NoSuchKey", "The specified key does not exist.");
    const size = object.body.length;
    const headers: Record<string, string> = {
      "content-type": object.contentType,
      etag: object.etag,
      "last-modified": object.lastModified.toUTCString(),
      "accept-ranges": "bytes",
      ...requestIdHeaders(),
    };
    const range = operation === "GetObject" ? parseRange(log.range, size) : null;
    if (range === "invalid") {
      throw new S3Error(416, "InvalidRange", "The requested range is not satisfiable", {
        RangeRequested: log.range ?? "",
        ActualObjectSize: String(size),
      });
    }
    const slice = range ? object.body.subarray(range.start, range.end + 1) : object.body;
    headers["content-length"] = String(slice.length);
    if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${size}`;
    log.status = range ? 206 : 200;
    res.writeHead(log.status, headers);
    res.end(operation === "HeadObject" ? undefined : slice);
  }

  // SigV4, header form: returns the access key, or throws the error S3 would answer with.
  private authenticate(req: IncomingMessage, method: string, rawPath: string, rawQuery: string, body: Buffer): string {
    const authorization = headerValue(req, "authorization");
    if (!authorization) throw new S3Error(403, "AccessDenied", "Access Denied");
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
        authorization.trim(),
      );
    if (!m) throw new S3Error(400, "AuthorizationHeaderMalformed", "The authorization header is malformed.");
    const [, accessKeyId = "", scopeDate = "", region = "", service = "", signedHeadersList = "", signature = ""] = m;
    const secret = this.secrets.get(accessKeyId);
    if (!secret)
      throw new S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    if (region !== this.region || service !== "s3") {
      throw new S3Error(
        400,
        "AuthorizationHeaderMalformed",
        `The authorization header is malformed; the region '${region}' is wrong; expecting '${this.region}'`,
      );
    }
    const amzDate = headerValue(req, "x-amz-date") ?? "";
    const signedAt = parseAmzDate(amzDate);
    if (!signedAt || amzDate.slice(0, 8) !== scopeDate)
      throw new S3Error(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
    if (Math.abs(Date.now() - signedAt.getTime()) > this.maxSkewMs) {
      throw new S3Error(
        403,
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
      );
    }
    const signedHeaders = signedHeadersList.split(";");
    if (!signedHeaders.includes("host"))
      throw new S3Error(400, "AuthorizationHeaderMalformed", "The host header must be signed.");
    const payloadHash = headerValue(req, "x-amz-content-sha256");
    if (!payloadHash)
      throw new S3Error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
    if (payloadHash.startsWith("STREAMING-"))
      throw new S3Error(501, "NotImplemented", "Chunked (streaming) uploads are not supported by this fake.");
    if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== sha256Hex(body)) {
      throw new S3Error(
        400,
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }
    const canonicalHeaders = signedHeaders
      .map((name) => `${name}:${(headerValue(req, name) ?? "").trim().replace(/\s+/g, " ")}\n`)
      .join("");
    const canonicalRequest = [
      method,
      rawPath || "/",
      canonicalQuery(rawQuery),
      canonicalHeaders,
      signedHeadersList,
      payloadHash,
    ].join("\n");
    const scope = `${scopeDate}/${region}/${service}/aws4_request`;
    const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
    let signingKey = hmac(`AWS4${secret}`, scopeDate);
    for (const part of [region, service, "aws4_request"]) signingKey = hmac(signingKey, part);
    const expected = createHmac("sha256", signingKey).update(stringToSign).digest();
    if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
      throw new S3Error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        {
          AWSAccessKeyId: accessKeyId,
          StringToSign: stringToSign,
          CanonicalRequest: canonicalRequest,
        },
      );
    }
    return accessKeyId;
  }
}

function operationOf(method: string, bucket: string, key: string, rawQuery: string): TS3Operation {
  // Sub-resources (?uploads, ?acl, ?tagging ...) are other operations; x-id is the SDK's label for the plain ones.
  const subresources = rawQuery.split("&").filter((part) => part && !part.startsWith("x-id="));
  if (!bucket || subresources.length > 0) return "Unsupported";
  if (!key) return method === "PUT" ? "CreateBucket" : "Unsupported";
  if (method === "PUT") return "PutObject";
  if (method === "GET") return "GetObject";
  if (method === "HEAD") return "HeadObject";
  if (method === "DELETE") return "DeleteObject";
  return "Unsupported";
}

// One range as S3 honours it; a header it cannot parse is ignored (the whole object), as on S3.
function parseRange(header: string | null, size: number): { start: number; end: number } | "invalid" | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  const [, a = "", b = ""] = m;
  if (a === "") {
    if (Number(b) === 0) return "invalid";
    return { start: Math.max(0, size - Number(b)), end: size - 1 };
  }
  const start = Number(a);
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || start > end) return "invalid";
  return { start, end };
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return "";
  return rawQuery
    .split("&")
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf("=");
      const name = eq === -1 ? part : part.slice(0, eq);
      const value = eq === -1 ? "" : part.slice(eq + 1);
      return [
        rfc3986(decodeURIComponent(name.replace(/\+/g, "%20"))),
        rfc3986(decodeURIComponent(value.replace(/\+/g, "%20"))),
      ] as const;
    })
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function parseAmzDate(text: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return null;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

function etagOf(body: Buffer): string {
  return `"${createHash("md5").update(body).digest("hex")}"`;
}

function requestIdHeaders(): Record<string, string> {
  return {
    "x-amz-request-id": randomBytes(8).toString("hex").toUpperCase(),
    "x-amz-id-2": randomBytes(24).toString("base64"),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&${{ "<": "lt", ">": "gt", "&": "amp", "'": "apos", '"': "quot" }[c]};`);
}

// HEAD answers carry no body, so the SDK names those errors by status (NotFound, Forbidden ...).
function sendError(
  res: ServerResponse,
  method: string,
  error: S3Error,
  context: { bucket?: string; key?: string } = {},
): void {
  const ids = requestIdHeaders();
  if (method === "HEAD") {
    res.writeHead(error.status, ids).end();
    return;
  }
  const fields: Record<string, string> = { Code: error.code, Message: error.message };
  if (error.code === "NoSuchKey" && context.key) fields.Key = context.key;
  if (error.code === "NoSuchBucket" && context.bucket) fields.BucketName = context.bucket;
  Object.assign(fields, error.extra, { RequestId: ids["x-amz-request-id"] ?? "", HostId: ids["x-amz-id-2"] ?? "" });
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join("")}</Error>`;
  res
    .writeHead(error.status, {
      "content-type": "application/xml",
      "content-length": String(Buffer.byteLength(xml)),
      ...ids,
    })
    .end(xml);
}
