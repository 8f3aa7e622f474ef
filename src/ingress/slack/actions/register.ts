import type { App } from '@slack/bolt';
import { ACTION } from '../../../report/action-buttons.js';
import { registerClick, type ActionDeps } from './click.js';
import { expireSilence } from './expire-silence.js';
import { rerun } from './rerun.js';
import { showQueries } from './show-queries.js';
import { silence } from './silence.js';
import { widen } from './widen.js';

/** The buttons under a diagnosis parent. Registered before the catch-all of interactions.ts. */
export function registerDiagnosisActions(app: App, deps: ActionDeps): void {
  registerClick(app, ACTION.rerun, deps, rerun);
  registerClick(app, ACTION.widen, deps, widen);
  registerClick(app, ACTION.showQueries, deps, showQueries);
  registerClick(app, ACTION.silence, deps, silence);
  registerClick(app, ACTION.expireSilence, deps, expireSilence);
}
