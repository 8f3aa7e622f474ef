import { formatDuration } from '../../../diagnosis/window.js';
import * as answer from './answers.js';
import type { ActionDeps, Click, ClickResult } from './click.js';
import { rediagnose, shownWindowSeconds } from './rerun.js';

/** Widening stops at a day: further back, the recorded resolution rarely shows a latency problem. */
export const WIDEST_WINDOW_SECONDS = 24 * 3600;

/** Widen window: four times the window shown, at most a day, ending now. */
export async function widen(click: Click, deps: ActionDeps): Promise<ClickResult> {
  const shown = shownWindowSeconds(click, deps);
  if (shown >= WIDEST_WINDOW_SECONDS) return { text: answer.alreadyWidest(formatDuration(shown)) };
  return rediagnose(click, deps, Math.min(shown * 4, WIDEST_WINDOW_SECONDS), 'widen');
}
