import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient";
import { FaultQueue, listenLocal, sleep } from "./faults";

// Fake Twilio REST API (`https://api.twilio.com/2010-04-01/...json`, protocols.md §3 and §5) for the real
// `twilio` SDK: accounts and subaccounts, phone number search/buy/configure/release, and live call control.
// State is kept per account; a parent account's credentials also reach its subaccounts, as on Twilio.
// Point the SDK here with `createTwilioHttpClient(fake.url)` or simply `fake.client()`.

export type TTwilioError = { status: number; code: number; message: string };

export type TTwilioAccount = {
  sid: string;
  authToken: string;
  friendlyName: string;
  ownerAccountSid: string;
  status: "active" | "suspended" | "closed";
  type: "Full" | "Trial";
  dateCreated: Date;
  dateUpdated: Date;
};

export type TAvailableNumber = {
  phoneNumber: string;
  friendlyName: string;
  isoCountry: string;
  locality: string;
  region: string;
  postalCode: string;
  lata: string | null;
  rateCenter: string | null;
  latitude: string;
  longitude: string;
  addressRequirements: "none" | "any" | "local" | "foreign";
  beta: boolean;
  capabilities: { voice: boolean; SMS: boolean; MMS: boolean };
};

export type TIncomingNumber = {
  sid: string;
  accountSid: string;
  phoneNumber: string;
  friendlyName: string;
  origin: string;
  capabilities: { voice: boolean; sms: boolean; mms: boolean; fax: boolean };
  fields: Record<string, string>; // VoiceUrl, VoiceMethod, StatusCallback, ... as last set (form field names)
  available: TAvailableNumber;
  dateCreated: Date;
  dateUpdated: Date;
};

export type TCallStatus =
  "queued" | "ringing" | "in-progress" | "completed" | "busy" | "failed" | "no-answer" | "canceled";

export type TFakeCall = {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  status: TCallStatus;
  direction: "inbound" | "outbound-api" | "outbound-dial";
  phoneNumberSid: string | null;
  parentCallSid: string | null;
  dateCreated: Date;
  dateUpdated: Date;
  startTime: Date | null;
  endTime: Date | null;
};

// A recording Twilio made (e.g. a <Record> voicemail); its media is served as `{RecordingUrl}.wav`.
export type TFakeRecording = {
  sid: string;
  accountSid: string;
  callSid: string | null;
  audio: Buffer; // a WAV file
  durationSec: number;
  dateCreated: Date;
  // What Twilio puts in RecordingUrl: the resource URL without an extension.
  url: string;
};

export type TCallUpdate = { accountSid: string; callSid: string; params: Record<string, string>; at: number };

export type TTwilioRequestLog = {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string | string[]>;
  username: string | null;
  status: number;
  code?: number;
};

export type TFakeTwilioOptions = {
  accountSid?: string;
  authToken?: string;
  // Numbers that AvailablePhoneNumbers can find; defaults to a fictional US (555-01xx) and GB set.
  inventory?: TAvailableNumber[];
  latencyMs?: number;
  // Monthly prices of a local number by country (Pricing API, GET /v1/PhoneNumbers/Countries/{ISO}), in USD as
  // Twilio lists them; a country missing here answers 404 like a country Twilio does not price.
  numberPrices?: Record<string, string>;
  // A fixed local port (the e2e stack and `npm run dev` sandbox); a free one by default.
  port?: number;
};

const API = "/2010-04-01";

export type TFakeSms = { sid: string; accountSid: string; from: string; to: string; body: string; at: Date };
const TERMINAL: TCallStatus[] = ["completed", "busy", "failed", "no-answer", "canceled"];

export function sid(prefix: string): string {
  return prefix + randomBytes(16).toString("hex");
}

export function rfc2822(date: Date): string {
  return date.toUTCString().replace("GMT", "+0000");
}

export function twilioError(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

export function defaultInventory(): TAvailableNumber[] {
  const places = [
    {
      areaCode: "415",
      locality: "San Francisco",
      region: "CA",
      postalCode: "94110",
      lata: "722",
      rateCenter: "SNFC",
      lat: "37.77",
      lon: "-122.41",
    },
    {
      areaCode: "212",
      locality: "New York",
      region: "NY",
      postalCode: "10001",
      lata: "132",
      rateCenter: "NWYRCYZN01",
      lat: "40.71",
      lon: "-74.00",
    },
    {
      areaCode: "312",
      locality: "Chicago",
      region: "IL",
      postalCode: "60601",
      lata: "358",
      rateCenter: "CHCG",
      lat: "41.88",
      lon: "-87.63",
    },
    {
      areaCode: "512",
      locality: "Austin",
      region: "TX",
      postalCode: "78701",
      lata: "558",
      rateCenter: "AUSTIN",
      lat: "30.27",
      lon: "-97.74",
    },
  ];
  const numbers: TAvailableNumber[] = [];
  for (const place of places) {
    for (let i = 0; i < 20; i++) {
      const line = String(100 + i).padStart(4, "0");
      numbers.push({
        phoneNumber: `+1${place.areaCode}555${line}`,
        friendlyName: `(${place.areaCode}) 555-${line}`,
        isoCountry: "US",
        locality: place.locality,
        region: place.region,
        postalCode: place.postalCode,
        lata: place.lata,
        rateCenter: place.rateCenter,
        latitude: place.lat,
        longitude: place.lon,
        addressRequirements: "none",
        beta: false,
        // Every fifth number cannot take SMS, so capability filters have something to filter.
        capabilities: { voice: true, SMS: i % 5 !== 4, MMS: i % 5 !== 4 },
      });
    }
  }
  for (let i = 0; i < 5; i++) {
    const line = String(100 + i).padStart(4, "0");
    numbers.push({
      phoneNumber: `+44207946${line}`,
      friendlyName: `020 7946 ${line}`,
      isoCountry: "GB",
      locality: "London",
      region: "England",
      postalCode: "EC1A",
      lata: null,
      rateCenter: null,
      latitude: "51.51",
      longitude: "-0.12",
      addressRequirements: "any",
      beta: false,
      capabilities: { voice: true, SMS: false, MMS: false },
    });
  }
  return numbers;
}

class HttpError extends Error {
  constructor(readonly error: TTwilioError) {
    super(error.message);
  }
}

const notFound = (path: string) =>
  new HttpError({ status: 404, code: 20404, message: `The requested resource ${path} was not found` });

export class FakeTwilioRest extends EventEmitter<{
  "call-update": [TCallUpdate];
  "number-purchased": [TIncomingNumber];
  "number-released": [TIncomingNumber];
}> {
  latencyMs: number;
  readonly mainAccount: { sid: string; authToken: string };
  readonly accounts = new Map<string, TTwilioAccount>();
  readonly inventory: TAvailableNumber[];
  readonly numberPrices: Record<string, string>;
  readonly numbers = new Map<string, TIncomingNumber>();
  readonly calls = new Map<string, TFakeCall>();
  readonly callUpdates: TCallUpdate[] = [];
  // Text messages sent (Messages resource): members' notifications.
  readonly messages: TFakeSms[] = [];
  readonly recordings = new Map<string, TFakeRecording>();
  readonly requests: TTwilioRequestLog[] = [];
  // Errors returned instead of handling the next matching requests.
  readonly faults = new FaultQueue<TTwilioError, TTwilioRequestLog>();
  private readonly purchaseErrors = new Map<string, TTwilioError>();

  private constructor(
    readonly url: string,
    private readonly closeServer: () => Promise<void>,
    options: TFakeTwilioOptions,
  ) {
    super();
    this.latencyMs = options.latencyMs ?? 0;
    const accountSid = options.accountSid ?? sid("AC");
    if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) throw new Error("accountSid must be AC followed by 32 hex digits");
    this.mainAccount = { sid: accountSid, authToken: options.authToken ?? randomBytes(16).toString("hex") };
    const now = new Date();
    this.accounts.set(accountSid, {
      sid: accountSid,
      authToken: this.mainAccount.authToken,
      friendlyName: "Main account",
      ownerAccountSid: accountSid,
      status: "active",
      type: "Full",
      dateCreated: now,
      dateUpdated: now,
    });
    this.inventory = options.inventory ?? defaultInventory();
    this.numberPrices = options.numberPrices ?? { US: "1.15", CA: "1.15", GB: "1.15" };
  }

  static async start(options: TFakeTwilioOptions = {}): Promise<FakeTwilioRest> {
    const server = createServer();
    const listening = await listenLocal(server, options.port);
    const fake = new FakeTwilioRest(`http://127.0.0.1:${listening.port}`, listening.close, options);
    // No one knows the port before start() returns, so nothing can arrive before this handler.
    server.on("request", (req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        const body = twilioError(500, 20500, `Internal Server Error: ${String(error)}`);
        if (!res.headersSent) sendJson(res, 500, body);
        else res.destroy();
      });
    });
    return fake;
  }

  // A real twilio SDK client wired to this fake.
  client(accountSid = this.mainAccount.sid, authToken?: string): twilio.Twilio {
    const token = authToken ?? this.accounts.get(accountSid)?.authToken ?? this.mainAccount.authToken;
    return twilio(accountSid, token, { httpClient: createTwilioHttpClient(this.url) });
  }

  // A call in progress on an account, as if Twilio had just answered it (the voice tests' simulated caller).
  addCall(call: Partial<TFakeCall> & { from: string; to: string }): TFakeCall {
    const now = new Date();
    const created: TFakeCall = {
      sid: sid("CA"),
      accountSid: this.mainAccount.sid,
      status: "in-progress",
      direction: "inbound",
      phoneNumberSid: [...this.numbers.values()].find((n) => n.phoneNumber === call.to)?.sid ?? null,
      parentCallSid: null,
      dateCreated: now,
      dateUpdated: now,
      startTime: now,
      endTime: null,
      ...call,
    };
    this.calls.set(created.sid, created);
    return created;
  }

  // A finished recording on an account, as after a <Record>; pass `audio` as a whole WAV file.
  addRecording(recording: { audio: Uint8Array; accountSid?: string; callSid?: string; durationSec?: number }): TFakeRecording {
    const accountSid = recording.accountSid ?? this.mainAccount.sid;
    const recordingSid = sid("RE");
    const created: TFakeRecording = {
      sid: recordingSid,
      accountSid,
      callSid: recording.callSid ?? null,
      audio: Buffer.from(recording.audio),
      durationSec: recording.durationSec ?? 0,
      dateCreated: new Date(),
      url: `https://api.twilio.com${API}/Accounts/${accountSid}/Recordings/${recordingSid}`,
    };
    this.recordings.set(recordingSid, created);
    return created;
  }

  setCallStatus(callSid: string, status: TCallStatus): void {
    const call = this.calls.get(callSid);
    if (!call) throw new Error(`no call ${callSid}`);
    call.status = status;
    call.dateUpdated = new Date();
    if (TERMINAL.includes(status)) call.endTime ??= new Date();
  }

  // Make number purchases on an account fail, e.g. an unfunded or unverified account.
  setPurchaseError(accountSid: string, error: TTwilioError | null): void {
    if (error) this.purchaseErrors.set(accountSid, error);
    else this.purchaseErrors.delete(accountSid);
  }

  async close(): Promise<void> {
    this.removeAllListeners();
    await this.closeServer();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const raw = await readBody(req);
    const form = parseForm(raw, req.headers["content-type"]);
    const log: TTwilioRequestLog = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      form,
      username: null,
      status: 200,
    };
    this.requests.push(log);
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    try {
      const result = this.route(req, url, form, log);
      log.status = result.status;
      if (result.status === 204) return void res.writeHead(204).end();
      if (result.media) {
        res.writeHead(result.status, { "Content-Type": result.media.contentType, "Content-Length": result.media.bytes.length });
        return void res.end(result.media.bytes);
      }
      sendJson(res, result.status, result.body);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      log.status = error.error.status;
      log.code = error.error.code;
      sendJson(res, error.error.status, twilioError(error.error.status, error.error.code, error.error.message));
    }
  }

  private route(
    req: IncomingMessage,
    url: URL,
    form: Record<string, string | string[]>,
    log: TTwilioRequestLog,
  ): { status: number; body?: unknown; media?: { contentType: string; bytes: Buffer } } {
    const method = req.method ?? "GET";
    const path = url.pathname;
    const auth = this.authenticate(req.headers.authorization);
    log.username = auth?.sid ?? null;
    if (!auth) {
      throw new HttpError({ status: 401, code: 20003, message: "Authenticate" });
    }
    const fault = this.faults.take(log);
    if (fault) throw new HttpError(fault);
    const pricing = /^\/v1\/PhoneNumbers\/Countries\/([A-Za-z]{2})$/.exec(path);
    if (pricing && method === "GET") return { status: 200, body: this.numberPricing(url, pricing[1]!.toUpperCase()) };
    // Recording media (`{RecordingUrl}.wav`): basic auth of the owning account or its parent.
    const media = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Recordings\/(RE[0-9a-fA-F]{32})\.wav$/.exec(path);
    if (media && method === "GET") {
      const recording = this.recordings.get(media[2] ?? "");
      const owner = this.accounts.get(media[1] ?? "");
      if (!recording || recording.accountSid !== media[1] || !owner || !(owner.sid === auth.sid || owner.ownerAccountSid === auth.sid)) {
        throw notFound(path);
      }
      return { status: 200, media: { contentType: "audio/x-wav", bytes: recording.audio } };
    }
    if (!path.startsWith(`${API}/`) || !path.endsWith(".json")) throw notFound(path);
    const segments = path.slice(API.length + 1, -".json".length).split("/");
    const params = (name: string) => {
      const value = form[name] ?? url.searchParams.get(name) ?? undefined;
      return Array.isArray(value) ? value.at(-1) : value;
    };
    if (segments[0] !== "Accounts") throw notFound(path);

    if (segments.length === 1) {
      if (method === "POST") return { status: 201, body: this.createAccount(auth, params("FriendlyName")) };
      if (method === "GET") {
        const visible = [...this.accounts.values()].filter(
          (a) =>
            (a.sid === auth.sid || a.ownerAccountSid === auth.sid) &&
            (!params("FriendlyName") || a.friendlyName === params("FriendlyName")) &&
            (!params("Status") || a.status === params("Status")),
        );
        return {
          status: 200,
          body: page(
            url,
            "accounts",
            visible.map((a) => accountJson(a)),
          ),
        };
      }
      throw methodNotAllowed(method, path);
    }

    const account = this.accounts.get(segments[1] ?? "");
    if (
      !account ||
      !(account.sid === auth.sid || account.ownerAccountSid === auth.sid) ||
      account.status === "closed"
    ) {
      throw notFound(path);
    }
    if (account.status === "suspended" && !(method === "GET" && segments.length === 2)) {
      throw new HttpError({ status: 401, code: 20005, message: "Account not active" });
    }
    const resource = segments.slice(2);

    if (resource.length === 0) {
      if (method === "GET") return { status: 200, body: accountJson(account) };
      if (method === "POST") {
        const status = params("Status");
        if (status && !["active", "suspended", "closed"].includes(status)) {
          throw new HttpError({ status: 400, code: 20001, message: `Invalid Status: ${status}` });
        }
        if (status) account.status = status as TTwilioAccount["status"];
        account.friendlyName = params("FriendlyName") ?? account.friendlyName;
        account.dateUpdated = new Date();
        return { status: 200, body: accountJson(account) };
      }
      throw methodNotAllowed(method, path);
    }

    const [kind, id, sub] = resource;
    if (kind === "AvailablePhoneNumbers" && resource.length === 3 && sub === "Local" && method === "GET") {
      return { status: 200, body: this.searchAvailable(url, id ?? "") };
    }
    if (kind === "IncomingPhoneNumbers") {
      const isList = resource.length === 1 || (resource.length === 2 && id === "Local");
      if (isList && method === "POST") return { status: 201, body: this.buyNumber(account, form, params) };
      if (isList && method === "GET") {
        const pattern = params("PhoneNumber")?.replace(/\D/g, "");
        const numbers = [...this.numbers.values()].filter(
          (n) =>
            n.accountSid === account.sid &&
            (!pattern || n.phoneNumber.replace(/\D/g, "").includes(pattern)) &&
            (!params("FriendlyName") || n.friendlyName === params("FriendlyName")),
        );
        return {
          status: 200,
          body: page(
            url,
            "incoming_phone_numbers",
            numbers.map((n) => numberJson(n)),
          ),
        };
      }
      if (resource.length === 2) {
        const number = this.numbers.get(id ?? "");
        if (!number || number.accountSid !== account.sid) throw notFound(path);
        if (method === "GET") return { status: 200, body: numberJson(number) };
        if (method === "POST") return { status: 200, body: this.updateNumber(number, auth, form, params) };
        if (method === "DELETE") {
          this.numbers.delete(number.sid);
          this.emit("number-released", number);
          return { status: 204 };
        }
      }
      throw methodNotAllowed(method, path);
    }
    if (kind === "Messages" && resource.length === 1 && method === "POST") {
      // Twilio refuses a From that is not one of the account's numbers (21606) and a To that is not a number (21211).
      const from = params("From") ?? "";
      const to = params("To") ?? "";
      const body = params("Body") ?? "";
      if (![...this.numbers.values()].some((n) => n.accountSid === account.sid && n.phoneNumber === from)) {
        throw new HttpError({ status: 400, code: 21606, message: `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.` });
      }
      if (!/^\+[1-9]\d{6,14}$/.test(to)) throw new HttpError({ status: 400, code: 21211, message: `The 'To' number ${to} is not a valid phone number.` });
      if (!body) throw new HttpError({ status: 400, code: 21602, message: "Message body is required." });
      const sms: TFakeSms = { sid: `SM${randomBytes(16).toString("hex")}`, accountSid: account.sid, from, to, body, at: new Date() };
      this.messages.push(sms);
      return {
        status: 201,
        body: { sid: sms.sid, account_sid: sms.accountSid, from, to, body, status: "queued", direction: "outbound-api", num_segments: "1", date_created: sms.at.toUTCString(), uri: `${API}/Accounts/${account.sid}/Messages/${sms.sid}.json` },
      };
    }
    if (kind === "Calls") {
      if (resource.length === 1 && method === "POST") return { status: 201, body: this.createCall(account, params) };
      if (resource.length === 1 && method === "GET") {
        const calls = [...this.calls.values()].filter(
          (c) =>
            c.accountSid === account.sid &&
            (!params("Status") || c.status === params("Status")) &&
            (!params("To") || c.to === params("To")) &&
            (!params("From") || c.from === params("From")),
        );
        return {
          status: 200,
          body: page(
            url,
            "calls",
            calls.map((c) => callJson(c)),
          ),
        };
      }
      if (resource.length === 2) {
        const call = this.calls.get(id ?? "");
        if (!call || call.accountSid !== account.sid) throw notFound(path);
        if (method === "GET") return { status: 200, body: callJson(call) };
        if (method === "POST") return { status: 200, body: this.updateCall(call, form, params) };
        if (method === "DELETE") {
          this.calls.delete(call.sid);
          return { status: 204 };
        }
      }
      throw methodNotAllowed(method, path);
    }
    // Recordings of the account: list (filters CallSid, DateCreated), fetch and delete, as on Twilio. Deleting
    // answers 204; the media is gone with it.
    if (kind === "Recordings") {
      if (resource.length === 1 && method === "GET") {
        const callSid = params("CallSid");
        const day = params("DateCreated");
        const recordings = [...this.recordings.values()]
          .filter(
            (r) =>
              r.accountSid === account.sid &&
              (!callSid || r.callSid === callSid) &&
              (!day || r.dateCreated.toISOString().slice(0, 10) === day),
          )
          .sort((a, b) => b.dateCreated.getTime() - a.dateCreated.getTime());
        return {
          status: 200,
          body: page(
            url,
            "recordings",
            recordings.map((r) => recordingJson(r)),
          ),
        };
      }
      if (resource.length === 2) {
        const recording = this.recordings.get(id ?? "");
        if (!recording || recording.accountSid !== account.sid) throw notFound(path);
        if (method === "GET") return { status: 200, body: recordingJson(recording) };
        if (method === "DELETE") {
          this.recordings.delete(recording.sid);
          return { status: 204 };
        }
      }
      throw methodNotAllowed(method, path);
    }
    throw notFound(path);
  }

  private authenticate(header: string | undefined): TTwilioAccount | null {
    const match = /^Basic\s+(.+)$/i.exec(header ?? "");
    if (!match?.[1]) return null;
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const account = this.accounts.get(decoded.slice(0, colon));
    if (!account || account.authToken !== decoded.slice(colon + 1) || account.status === "closed") return null;
    return account;
  }

  private createAccount(auth: TTwilioAccount, friendlyName: string | undefined): Record<string, unknown> {
    const now = new Date();
    const account: TTwilioAccount = {
      sid: sid("AC"),
      authToken: randomBytes(16).toString("hex"),
      friendlyName: friendlyName ?? `SubAccount Created at ${now.toISOString().slice(0, 16).replace("T", " ")}`,
      // Subaccounts cannot own subaccounts; Twilio files them under the parent.
      ownerAccountSid: auth.ownerAccountSid,
      status: "active",
      type: "Full",
      dateCreated: now,
      dateUpdated: now,
    };
    this.accounts.set(account.sid, account);
    return accountJson(account);
  }

  private numberPricing(url: URL, country: string): Record<string, unknown> {
    const price = this.numberPrices[country];
    if (price === undefined) throw new HttpError({ status: 404, code: 20404, message: `The requested resource ${url.pathname} was not found` });
    return {
      country: country,
      iso_country: country,
      phone_number_prices: [{ number_type: "local", base_price: price, current_price: price }],
      price_unit: "USD",
      url: `https://pricing.twilio.com${url.pathname}`,
    };
  }

  private searchAvailable(url: URL, country: string): Record<string, unknown> {
    const query = url.searchParams;
    const areaCode = query.get("AreaCode");
    const contains = query.get("Contains");
    if (contains !== null && !/^[0-9a-zA-Z*+]{2,}$/.test(contains)) {
      throw new HttpError({
        status: 400,
        code: 21421,
        message: "Contains must be at least two characters: digits, letters or *",
      });
    }
    const pattern = contains === null ? null : containsPattern(contains);
    const owned = new Set([...this.numbers.values()].map((n) => n.phoneNumber));
    const want = (name: string) => query.get(name) === "true";
    const matches = this.inventory.filter((n) => {
      if (n.isoCountry !== country.toUpperCase() || owned.has(n.phoneNumber)) return false;
      if (areaCode && !(n.phoneNumber.startsWith("+1") && n.phoneNumber.slice(2, 5) === areaCode)) return false;
      if (pattern && !pattern.test(n.phoneNumber.replace(/^\+/, ""))) return false;
      if (want("VoiceEnabled") && !n.capabilities.voice) return false;
      if (want("SmsEnabled") && !n.capabilities.SMS) return false;
      if (want("MmsEnabled") && !n.capabilities.MMS) return false;
      if (want("ExcludeAllAddressRequired") && n.addressRequirements === "any") return false;
      const exact = (name: string, value: string | null) =>
        !query.get(name) || query.get(name)?.toLowerCase() === value?.toLowerCase();
      return (
        exact("InRegion", n.region) &&
        exact("InPostalCode", n.postalCode) &&
        exact("InLocality", n.locality) &&
        exact("InLata", n.lata) &&
        exact("InRateCenter", n.rateCenter)
      );
    });
    return page(
      url,
      "available_phone_numbers",
      matches.map((n) => availableJson(n)),
    );
  }

  private buyNumber(
    account: TTwilioAccount,
    form: Record<string, string | string[]>,
    params: (name: string) => string | undefined,
  ): Record<string, unknown> {
    const purchaseError = this.purchaseErrors.get(account.sid) ?? this.purchaseErrors.get("*");
    if (purchaseError) throw new HttpError(purchaseError);
    const requested = params("PhoneNumber");
    const areaCode = params("AreaCode");
    if (!requested && !areaCode) {
      throw new HttpError({
        status: 400,
        code: 21450,
        message: "A 'PhoneNumber' or 'AreaCode' parameter is required.",
      });
    }
    const owned = new Set([...this.numbers.values()].map((n) => n.phoneNumber));
    let available: TAvailableNumber | undefined;
    if (requested) {
      if (!/^\+[1-9]\d{6,14}$/.test(requested)) {
        throw new HttpError({
          status: 400,
          code: 21421,
          message: `The requested phone number '${requested}' is invalid.`,
        });
      }
      available = this.inventory.find((n) => n.phoneNumber === requested && !owned.has(n.phoneNumber));
      if (!available) {
        throw new HttpError({
          status: 400,
          code: 21422,
          message: `The requested phone number ${requested} is not available.`,
        });
      }
    } else {
      available = this.inventory.find(
        (n) => n.isoCountry === "US" && n.phoneNumber.slice(2, 5) === areaCode && !owned.has(n.phoneNumber),
      );
      if (!available) {
        throw new HttpError({ status: 400, code: 21452, message: `No phone numbers found in area code ${areaCode}.` });
      }
    }
    const now = new Date();
    const number: TIncomingNumber = {
      sid: sid("PN"),
      accountSid: account.sid,
      phoneNumber: available.phoneNumber,
      friendlyName: params("FriendlyName") ?? available.friendlyName,
      origin: "twilio",
      capabilities: {
        voice: available.capabilities.voice,
        sms: available.capabilities.SMS,
        mms: available.capabilities.MMS,
        fax: false,
      },
      fields: {
        VoiceMethod: "POST",
        SmsMethod: "POST",
        VoiceFallbackMethod: "POST",
        SmsFallbackMethod: "POST",
        StatusCallbackMethod: "POST",
      },
      available,
      dateCreated: now,
      dateUpdated: now,
    };
    applyNumberFields(number, form);
    this.numbers.set(number.sid, number);
    this.emit("number-purchased", number);
    return numberJson(number);
  }

  private updateNumber(
    number: TIncomingNumber,
    auth: TTwilioAccount,
    form: Record<string, string | string[]>,
    params: (name: string) => string | undefined,
  ): Record<string, unknown> {
    const target = params("AccountSid");
    if (target && target !== number.accountSid) {
      const to = this.accounts.get(target);
      if (!to || to.ownerAccountSid !== auth.ownerAccountSid) {
        throw new HttpError({
          status: 400,
          code: 20001,
          message: `AccountSid ${target} is not in the same account family.`,
        });
      }
      number.accountSid = target;
    }
    if (params("FriendlyName")) number.friendlyName = params("FriendlyName") ?? number.friendlyName;
    applyNumberFields(number, form);
    number.dateUpdated = new Date();
    return numberJson(number);
  }

  private createCall(account: TTwilioAccount, params: (name: string) => string | undefined): Record<string, unknown> {
    const to = params("To");
    const from = params("From");
    if (!to) throw new HttpError({ status: 400, code: 21201, message: "No 'To' number is specified" });
    if (!from) throw new HttpError({ status: 400, code: 21603, message: "A 'From' phone number is required." });
    if (!params("Url") && !params("Twiml") && !params("ApplicationSid")) {
      throw new HttpError({ status: 400, code: 21205, message: "Url parameter is required." });
    }
    const call = this.addCall({
      accountSid: account.sid,
      to,
      from,
      status: "queued",
      direction: "outbound-api",
      startTime: null,
    });
    return callJson(call);
  }

  private updateCall(
    call: TFakeCall,
    form: Record<string, string | string[]>,
    params: (name: string) => string | undefined,
  ): Record<string, unknown> {
    if (TERMINAL.includes(call.status)) {
      throw new HttpError({ status: 400, code: 21220, message: "Call is not in-progress. Cannot redirect." });
    }
    const status = params("Status");
    if (status && status !== "completed" && status !== "canceled") {
      throw new HttpError({ status: 400, code: 20001, message: `Invalid Status: ${status}` });
    }
    const twiml = params("Twiml");
    if (twiml !== undefined && twiml.length > 4000) {
      throw new HttpError({ status: 400, code: 21220, message: "Twiml must be 4000 characters or fewer." });
    }
    const update: TCallUpdate = {
      accountSid: call.accountSid,
      callSid: call.sid,
      params: Object.fromEntries(Object.entries(form).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v])),
      at: Date.now(),
    };
    this.callUpdates.push(update);
    // `canceled` only affects calls that have not been answered yet; `completed` hangs up any call.
    if (status === "completed" || (status === "canceled" && (call.status === "queued" || call.status === "ringing"))) {
      this.setCallStatus(call.sid, status);
    } else {
      call.dateUpdated = new Date();
    }
    this.emit("call-update", update);
    return callJson(call);
  }
}

const NUMBER_FIELDS = [
  "ApiVersion",
  "VoiceUrl",
  "VoiceMethod",
  "VoiceFallbackUrl",
  "VoiceFallbackMethod",
  "StatusCallback",
  "StatusCallbackMethod",
  "VoiceCallerIdLookup",
  "VoiceApplicationSid",
  "SmsUrl",
  "SmsMethod",
  "SmsFallbackUrl",
  "SmsFallbackMethod",
  "SmsApplicationSid",
  "TrunkSid",
  "VoiceReceiveMode",
  "IdentitySid",
  "AddressSid",
  "EmergencyStatus",
  "EmergencyAddressSid",
  "BundleSid",
];

function applyNumberFields(number: TIncomingNumber, form: Record<string, string | string[]>): void {
  for (const field of NUMBER_FIELDS) {
    const value = form[field];
    if (value !== undefined) number.fields[field] = Array.isArray(value) ? (value.at(-1) ?? "") : value;
  }
}

function methodNotAllowed(method: string, path: string): HttpError {
  return new HttpError({ status: 405, code: 20004, message: `Method ${method} not allowed on ${path}` });
}

// Twilio's Contains: digits, letters (phone keypad) and `*` for any single digit, matched anywhere.
function containsPattern(contains: string): RegExp {
  const keypad: Record<string, string> = {
    abc: "2",
    def: "3",
    ghi: "4",
    jkl: "5",
    mno: "6",
    pqrs: "7",
    tuv: "8",
    wxyz: "9",
  };
  const digitFor = (ch: string) =>
    Object.entries(keypad).find(([letters]) => letters.includes(ch.toLowerCase()))?.[1] ?? ch;
  const source = contains
    .replace(/^\+/, "")
    .split("")
    .map((ch) => (ch === "*" ? "\\d" : /[a-z]/i.test(ch) ? digitFor(ch) : ch))
    .join("");
  return new RegExp(source);
}

function page(url: URL, key: string, records: unknown[]): Record<string, unknown> {
  const query = url.searchParams;
  const pageSize = Math.min(1000, Math.max(1, Number(query.get("PageSize") ?? 50) || 50));
  const pageNumber = Math.max(0, Number(query.get("Page") ?? 0) || 0);
  const start = pageNumber * pageSize;
  const slice = records.slice(start, start + pageSize);
  const uriFor = (n: number) => {
    const params = new URLSearchParams(query);
    params.set("PageSize", String(pageSize));
    params.set("Page", String(n));
    if (n > 0) params.set("PageToken", `PA${n}`);
    else params.delete("PageToken");
    return `${url.pathname}?${params.toString()}`;
  };
  const hasNext = start + pageSize < records.length;
  return {
    [key]: slice,
    end: start + Math.max(slice.length - 1, 0),
    first_page_uri: uriFor(0),
    next_page_uri: hasNext ? uriFor(pageNumber + 1) : null,
    page: pageNumber,
    page_size: pageSize,
    previous_page_uri: pageNumber > 0 ? uriFor(pageNumber - 1) : null,
    start,
    uri: `${url.pathname}${url.search}`,
  };
}

function accountJson(account: TTwilioAccount): Record<string, unknown> {
  const base = `${API}/Accounts/${account.sid}`;
  return {
    auth_token: account.authToken,
    date_created: rfc2822(account.dateCreated),
    date_updated: rfc2822(account.dateUpdated),
    friendly_name: account.friendlyName,
    owner_account_sid: account.ownerAccountSid,
    sid: account.sid,
    status: account.status,
    subresource_uris: {
      available_phone_numbers: `${base}/AvailablePhoneNumbers.json`,
      calls: `${base}/Calls.json`,
      incoming_phone_numbers: `${base}/IncomingPhoneNumbers.json`,
    },
    type: account.type,
    uri: `${base}.json`,
  };
}

function availableJson(n: TAvailableNumber): Record<string, unknown> {
  return {
    friendly_name: n.friendlyName,
    phone_number: n.phoneNumber,
    lata: n.lata,
    locality: n.locality,
    rate_center: n.rateCenter,
    latitude: n.latitude,
    longitude: n.longitude,
    region: n.region,
    postal_code: n.postalCode,
    iso_country: n.isoCountry,
    address_requirements: n.addressRequirements,
    beta: n.beta,
    capabilities: n.capabilities,
  };
}

function numberJson(n: TIncomingNumber): Record<string, unknown> {
  const f = (name: string) => n.fields[name] ?? null;
  return {
    account_sid: n.accountSid,
    address_requirements: n.available.addressRequirements,
    address_sid: f("AddressSid"),
    api_version: f("ApiVersion") ?? "2010-04-01",
    beta: n.available.beta,
    bundle_sid: f("BundleSid"),
    capabilities: n.capabilities,
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    emergency_address_sid: f("EmergencyAddressSid"),
    emergency_address_status: "unregistered",
    emergency_status: f("EmergencyStatus") ?? "Active",
    friendly_name: n.friendlyName,
    identity_sid: f("IdentitySid"),
    origin: n.origin,
    phone_number: n.phoneNumber,
    sid: n.sid,
    sms_application_sid: f("SmsApplicationSid") ?? "",
    sms_fallback_method: f("SmsFallbackMethod"),
    sms_fallback_url: f("SmsFallbackUrl") ?? "",
    sms_method: f("SmsMethod"),
    sms_url: f("SmsUrl") ?? "",
    status: "in-use",
    status_callback: f("StatusCallback") ?? "",
    status_callback_method: f("StatusCallbackMethod"),
    subresource_uris: {
      assigned_add_ons: `${API}/Accounts/${n.accountSid}/IncomingPhoneNumbers/${n.sid}/AssignedAddOns.json`,
    },
    trunk_sid: f("TrunkSid"),
    type: n.available.isoCountry === "US" ? "local" : "national",
    uri: `${API}/Accounts/${n.accountSid}/IncomingPhoneNumbers/${n.sid}.json`,
    voice_application_sid: f("VoiceApplicationSid") ?? "",
    voice_caller_id_lookup: f("VoiceCallerIdLookup") === "true",
    voice_fallback_method: f("VoiceFallbackMethod"),
    voice_fallback_url: f("VoiceFallbackUrl") ?? "",
    voice_method: f("VoiceMethod"),
    voice_receive_mode: f("VoiceReceiveMode") ?? "voice",
    voice_url: f("VoiceUrl") ?? "",
  };
}

function recordingJson(r: TFakeRecording): Record<string, unknown> {
  const uri = `${API}/Accounts/${r.accountSid}/Recordings/${r.sid}.json`;
  return {
    account_sid: r.accountSid,
    api_version: "2010-04-01",
    call_sid: r.callSid,
    conference_sid: null,
    date_created: rfc2822(r.dateCreated),
    date_updated: rfc2822(r.dateCreated),
    start_time: rfc2822(r.dateCreated),
    duration: String(Math.round(r.durationSec)),
    sid: r.sid,
    price: null,
    price_unit: "USD",
    status: "completed",
    channels: 1,
    source: "RecordVerb",
    error_code: null,
    uri,
    encryption_details: null,
    subresource_uris: {
      add_on_results: `${API}/Accounts/${r.accountSid}/Recordings/${r.sid}/AddOnResults.json`,
      transcriptions: `${API}/Accounts/${r.accountSid}/Recordings/${r.sid}/Transcriptions.json`,
    },
    media_url: `${r.url}`,
  };
}

function callJson(c: TFakeCall): Record<string, unknown> {
  const base = `${API}/Accounts/${c.accountSid}/Calls/${c.sid}`;
  const duration =
    c.startTime && c.endTime ? String(Math.round((c.endTime.getTime() - c.startTime.getTime()) / 1000)) : null;
  return {
    account_sid: c.accountSid,
    annotation: null,
    answered_by: null,
    api_version: "2010-04-01",
    caller_name: null,
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateUpdated),
    direction: c.direction,
    duration,
    end_time: c.endTime ? rfc2822(c.endTime) : null,
    forwarded_from: null,
    from: c.from,
    from_formatted: c.from,
    group_sid: null,
    parent_call_sid: c.parentCallSid,
    phone_number_sid: c.phoneNumberSid,
    price: null,
    price_unit: "USD",
    queue_time: "0",
    sid: c.sid,
    start_time: c.startTime ? rfc2822(c.startTime) : null,
    status: c.status,
    subresource_uris: { notifications: `${base}/Notifications.json`, recordings: `${base}/Recordings.json` },
    to: c.to,
    to_formatted: c.to,
    trunk_sid: null,
    uri: `${base}.json`,
  };
}

function parseForm(raw: Buffer, contentType: string | undefined): Record<string, string | string[]> {
  const form: Record<string, string | string[]> = {};
  if (raw.length === 0 || !(contentType ?? "").includes("application/x-www-form-urlencoded")) return form;
  for (const [key, value] of new URLSearchParams(raw.toString("utf8"))) {
    const existing = form[key];
    form[key] = existing === undefined ? value : [existing, value].flat();
  }
  return form;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// ---- SDK wiring -----------------------------------------------------------------------------------------

// A twilio RequestClient that sends every *.twilio.com request (including absolute next-page URLs) to the fake.
export class LocalTwilioHttpClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string) {
    super();
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const target = new URL(opts.uri);
    if (target.hostname === "twilio.com" || target.hostname.endsWith(".twilio.com")) {
      return super.request({ ...opts, uri: `${this.baseUrl.replace(/\/+$/, "")}${target.pathname}${target.search}` });
    }
    return super.request(opts);
  }
}

export function createTwilioHttpClient(fakeUrl: string): LocalTwilioHttpClient {
  return new LocalTwilioHttpClient(fakeUrl);
}
