import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient";

export type TTwilioCredentials = { accountSid: string; authToken: string };
export type TTwilioClient = twilio.Twilio;

// Sends every REST request to `baseUrl` instead of https://*.twilio.com, keeping path and query. Absolute URLs the
// SDK builds from responses (next_page_uri) go through here too, so paging stays on the override.
export class RebasedTwilioRequestClient extends twilio.RequestClient {
  private readonly base: string;

  constructor(baseUrl: string) {
    super({ timeout: 15_000 });
    this.base = baseUrl.replace(/\/+$/, "");
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request({ ...opts, uri: rebaseTwilioUrl(opts.uri, this.base) });
  }
}

export function rebaseTwilioUrl(uri: string, base: string): string {
  const url = new URL(uri);
  if (url.hostname !== "twilio.com" && !url.hostname.endsWith(".twilio.com")) return uri;
  return base.replace(/\/+$/, "") + url.pathname + url.search;
}

// A twilio SDK client for one account. `baseUrl` (TWILIO_API_BASE_URL) points the REST API at a local fake or a
// proxy; without it the SDK talks to Twilio itself.
export function createTwilioClient(credentials: TTwilioCredentials, options: { baseUrl?: string } = {}): TTwilioClient {
  if (!/^AC[0-9a-fA-F]{32}$/.test(credentials.accountSid)) {
    throw new Error(`Not a Twilio account SID: "${credentials.accountSid}" (expected AC followed by 32 hex characters).`);
  }
  if (!credentials.authToken) throw new Error(`No auth token for Twilio account ${credentials.accountSid}.`);
  return twilio(credentials.accountSid, credentials.authToken, {
    httpClient: options.baseUrl ? new RebasedTwilioRequestClient(options.baseUrl) : undefined,
  });
}
