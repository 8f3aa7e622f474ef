import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

/**
 * Sends requests to the real Bolt receiver the way Slack does: a form body signed with
 * `v0=HMAC_SHA256(signing secret, "v0:<timestamp>:<body>")` in X-Slack-Signature and the timestamp in
 * X-Slack-Request-Timestamp. Options produce the failures Bolt must refuse.
 */

export interface SignOptions {
  /** 'bad' signs with a wrong secret; 'none' omits both Slack headers. */
  signature?: 'valid' | 'bad' | 'none';
  /** Seconds the timestamp lies in the past (e.g. 600 for a replayed request). */
  ageSeconds?: number;
  dispatcher?: Agent;
}

export interface SignedResponse {
  status: number;
  body: string;
  /** The JSON body, when it parses. */
  json: unknown;
  latencyMs: number;
}

export interface SlashCommandFields {
  command: string;
  text: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  team_id: string;
  team_domain: string;
  response_url: string;
  trigger_id: string;
  api_app_id: string;
  token: string;
}

export const DEFAULT_COMMAND: SlashCommandFields = {
  command: '/etcd',
  text: 'help',
  channel_id: 'C0LAB',
  channel_name: 'etcd-lab',
  user_id: 'U0ALICE',
  user_name: 'alice',
  team_id: 'T0STANDIN',
  team_domain: 'standin',
  response_url: 'https://hooks.slack.com/commands/T0STANDIN/1/abc',
  trigger_id: '1.2.3',
  api_app_id: 'A0ETCD',
  token: 'deprecated-verification-token',
};

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** The headers Slack sends with `body`, signed now (or as `opts` says). */
export function signedHeaders(secret: string, body: string, opts: Pick<SignOptions, 'signature' | 'ageSeconds'> = {}): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000) - (opts.ageSeconds ?? 0);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const mode = opts.signature ?? 'valid';
  if (mode !== 'none') {
    headers['x-slack-request-timestamp'] = String(ts);
    headers['x-slack-signature'] = slackSignature(mode === 'bad' ? `${secret}-wrong` : secret, ts, body);
  }
  return headers;
}

export function sendSigned(
  url: string,
  secret: string,
  body: string,
  opts: SignOptions = {},
): Promise<SignedResponse> {
  return sendPrepared(url, { headers: signedHeaders(secret, body, opts), body }, opts.dispatcher);
}

/**
 * A request already signed (as Slack signs it before sending): timed from the call to the last byte of
 * the answer read.
 */
export async function sendPrepared(url: string, prepared: { headers: Record<string, string>; body: string }, dispatcher?: Agent): Promise<SignedResponse> {
  const started = performance.now();
  const res = await request(url, {
    method: 'POST',
    headers: prepared.headers,
    body: prepared.body,
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
  const text = await res.body.text();
  const latencyMs = performance.now() - started;
  let json: unknown;
  try {
    json = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, body: text, json, latencyMs };
}

/** A signed slash command; `fields` override DEFAULT_COMMAND. */
export function sendSlashCommand(
  url: string,
  secret: string,
  fields: Partial<SlashCommandFields>,
  opts: SignOptions = {},
): Promise<SignedResponse> {
  const body = new URLSearchParams({ ...DEFAULT_COMMAND, ...fields }).toString();
  return sendSigned(url, secret, body, opts);
}

/** A signed interactive payload (block_actions, view_submission…): form field `payload` holding JSON. */
export function sendInteraction(
  url: string,
  secret: string,
  payload: Record<string, unknown>,
  opts: SignOptions = {},
): Promise<SignedResponse> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return sendSigned(url, secret, body, opts);
}

/** A minimal block_actions payload for a button click. */
export function blockActionsPayload(actionId: string, channelId = 'C0LAB', userId = 'U0ALICE'): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: 'T0STANDIN', domain: 'standin' },
    user: { id: userId, username: 'alice', team_id: 'T0STANDIN' },
    api_app_id: 'A0ETCD',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: channelId, is_ephemeral: false },
    trigger_id: '1.2.3',
    channel: { id: channelId, name: 'etcd-lab' },
    response_url: 'https://hooks.slack.com/actions/T0STANDIN/1/abc',
    actions: [
      { action_id: actionId, block_id: 'b1', type: 'button', value: 'v', action_ts: '1700000001.000200', text: { type: 'plain_text', text: 'Open' } },
    ],
  };
}
