import { createTwilioClient, type TTwilioClient, type TTwilioCredentials } from "./client";

// One REST client per account, rebuilt when the account's token changes. The credentials come through the
// resolver (whose own cache is short-lived) on every call, so a rotated token or a removed account takes effect
// within that cache's TTL, as it does for signature checks, rather than living on in the process until a restart.
export function createTwilioClientCache(
  resolve: (accountSid: string) => Promise<TTwilioCredentials | null>,
  options: { baseUrl?: string; maxAccounts?: number; create?: (credentials: TTwilioCredentials) => TTwilioClient } = {},
): (accountSid: string) => Promise<TTwilioClient | null> {
  const clients = new Map<string, { authToken: string; client: TTwilioClient }>();
  const create = options.create ?? ((credentials: TTwilioCredentials) => createTwilioClient(credentials, { baseUrl: options.baseUrl }));
  const maxAccounts = options.maxAccounts ?? 10_000;
  return async (accountSid) => {
    const account = await resolve(accountSid);
    if (!account) {
      clients.delete(accountSid);
      return null;
    }
    const cached = clients.get(accountSid);
    if (cached?.authToken === account.authToken) return cached.client;
    const client = create(account);
    clients.delete(accountSid);
    clients.set(accountSid, { authToken: account.authToken, client });
    if (clients.size > maxAccounts) clients.delete(clients.keys().next().value as string);
    return client;
  };
}
