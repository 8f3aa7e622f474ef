import { request } from 'undici';
import { z } from 'zod';

/**
 * Creating and expiring silences through Alertmanager's API v2 (POST /api/v2/silences,
 * DELETE /api/v2/silence/{id}). Every failure is one AlertmanagerRefused that says what Alertmanager
 * answered (or why it could not be reached), short enough to show a person.
 */

export interface NewSilence {
  matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual: boolean }>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export class AlertmanagerRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlertmanagerRefused';
  }
}

const createdSchema = z.object({ silenceID: z.string().min(1) });
const DEFAULT_TIMEOUT_MS = 2500;

function apiUrl(base: string, path: string): URL {
  return new URL(path, base.endsWith('/') ? base : `${base}/`);
}

async function call(method: 'POST' | 'DELETE', url: URL, body: unknown, timeoutMs: number): Promise<unknown> {
  let res;
  try {
    res = await request(url, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new AlertmanagerRefused(`Alertmanager at ${url.origin} could not be reached (${err instanceof Error ? err.message : String(err)})`);
  }
  const text = await res.body.text().catch(() => '');
  if (res.statusCode < 200 || res.statusCode >= 300) {
    // Alertmanager explains a 400 in the body as a JSON string or plain text.
    const reason = text.trim().replace(/^"|"$/g, '').slice(0, 200);
    throw new AlertmanagerRefused(`Alertmanager at ${url.origin} answered HTTP ${res.statusCode}${reason === '' ? '' : `: ${reason}`}`);
  }
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** Creates the silence; resolves to its id. */
export async function createSilence(base: string, silence: NewSilence, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  const url = apiUrl(base, 'api/v2/silences');
  const parsed = createdSchema.safeParse(await call('POST', url, silence, timeoutMs));
  if (!parsed.success) throw new AlertmanagerRefused(`Alertmanager at ${url.origin} did not return a silence id`);
  return parsed.data.silenceID;
}

/** Expires the silence now (Alertmanager keeps it, as expired). */
export async function expireSilence(base: string, id: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  await call('DELETE', apiUrl(base, `api/v2/silence/${encodeURIComponent(id)}`), undefined, timeoutMs);
}
