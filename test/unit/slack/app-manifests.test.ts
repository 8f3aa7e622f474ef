import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_ENDPOINTS } from '../../../src/ingress/slack/app.js';

interface Manifest {
  features: { slash_commands: Array<{ command: string; url?: string }> };
  oauth_config: { scopes: { bot: string[] } };
  settings: { socket_mode_enabled: boolean; interactivity: { is_enabled: boolean; request_url?: string } };
}
const read = (f: string): Manifest => parse(readFileSync(new URL(`../../../deploy/slack/${f}`, import.meta.url), 'utf8')) as Manifest;

/** The two Slack app manifests users create the app from must match what the bot serves and calls. */
describe('Slack app manifests', () => {
  const http = read('app-manifest.yaml');
  const socket = read('app-manifest-socket.yaml');

  it('HTTP mode points Slack at the endpoints the receiver serves', () => {
    expect(http.settings.socket_mode_enabled).toBe(false);
    const paths = [http.features.slash_commands[0]!.url!, http.settings.interactivity.request_url!].map((u) => new URL(u).pathname);
    for (const p of paths) expect(DEFAULT_ENDPOINTS).toContain(p);
  });

  it('Socket Mode declares no URL at all, and the same command and bot scopes', () => {
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.settings.interactivity.is_enabled).toBe(true);
    expect(socket.settings.interactivity.request_url).toBeUndefined();
    expect(socket.features.slash_commands.map((c) => c.command)).toEqual(['/etcd']);
    expect(socket.features.slash_commands[0]!.url).toBeUndefined();
    expect(new Set(socket.oauth_config.scopes.bot)).toEqual(new Set(http.oauth_config.scopes.bot));
  });
});
