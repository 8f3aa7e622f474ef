import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Webhook authentication. The Slack signature check does not cover custom routes, so the webhook checks
 * its own credentials. Both sides are hashed first: timingSafeEqual needs equal lengths, and comparing
 * fixed-size digests means neither the content nor the length of the secret leaks through timing.
 */
export type WebhookCredentials = { kind: 'bearer'; token: string } | { kind: 'basic'; username: string; password: string };

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class WebhookAuthenticator {
  private readonly scheme: 'bearer' | 'basic';
  private readonly expected: Buffer;

  constructor(creds: WebhookCredentials) {
    this.scheme = creds.kind;
    this.expected = digest(creds.kind === 'bearer' ? creds.token : `${creds.username}:${creds.password}`);
  }

  /** True when the Authorization header carries the configured credentials. */
  check(header: string | undefined): boolean {
    const presented = this.presented(header ?? '');
    // Always run the comparison, even for a malformed header, so every refusal costs the same.
    const ok = timingSafeEqual(digest(presented ?? ''), this.expected);
    return ok && presented !== undefined;
  }

  /** The WWW-Authenticate challenge for a 401. */
  get challenge(): string {
    return this.scheme === 'bearer' ? 'Bearer realm="etcd-triage"' : 'Basic realm="etcd-triage"';
  }

  private presented(header: string): string | undefined {
    const space = header.indexOf(' ');
    if (space < 0) return undefined;
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (this.scheme === 'bearer') return scheme === 'bearer' ? value : undefined;
    if (scheme !== 'basic') return undefined;
    return Buffer.from(value, 'base64').toString('utf8');
  }
}

/** Reads the configured credentials from the environment; throws naming the missing variable. */
export function credentialsFromEnv(
  auth: { tokenEnv: string } | { basic: { usernameEnv: string; passwordEnv: string } },
  env: Record<string, string | undefined>,
): WebhookCredentials {
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v.length === 0) throw new Error(`alertmanager.auth: environment variable ${name} is not set`);
    return v;
  };
  if ('tokenEnv' in auth) return { kind: 'bearer', token: need(auth.tokenEnv) };
  return { kind: 'basic', username: need(auth.basic.usernameEnv), password: need(auth.basic.passwordEnv) };
}
