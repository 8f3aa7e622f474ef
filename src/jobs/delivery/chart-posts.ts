import type { KnownBlock } from '../../delivery/message-limits.js';
import type { UploadFileArgs } from '../../delivery/slack-client.js';
import { missingChartLine, type DrawnChart } from '../../report/charts/draw.js';
import { esc } from '../../report/slack-text.js';

export interface ChartPoster {
  uploadFile(args: UploadFileArgs): Promise<{ fileId: string }>;
  postMessage(msg: { channel: string; thread_ts: string; text: string; blocks: KnownBlock[] }): Promise<{ ts: string }>;
}

/**
 * Posts drawn charts into a thread, in order, after the text answer. A chart that could not be drawn
 * or uploaded becomes one short line saying which chart is missing and why; it never fails the job (the
 * text is already out). `from` skips what an earlier attempt posted; `onPosted` records progress after
 * every post, so a retried job posts nothing twice.
 */
export async function postCharts(
  poster: ChartPoster,
  where: { channel: string; thread_ts: string },
  charts: DrawnChart[],
  from: number,
  onPosted: (count: number) => Promise<void>,
  onError: (title: string, reason: string) => void = () => undefined,
): Promise<void> {
  for (let i = from; i < charts.length; i++) {
    const c = charts[i]!;
    let missing: string | undefined;
    if ('error' in c) {
      missing = c.error;
    } else {
      try {
        await poster.uploadFile({ ...where, filename: c.filename, content: c.png, title: c.title });
      } catch (err) {
        missing = `the upload to Slack failed (${err instanceof Error ? err.message : String(err)})`;
      }
    }
    if (missing !== undefined) {
      onError(c.title, missing);
      const text = esc(missingChartLine(c.title, missing));
      await poster.postMessage({ ...where, text, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text }] }] });
    }
    await onPosted(i + 1);
  }
}
