/**
 * Records every Alertmanager webhook POST it receives as one JSON line
 * {receivedAt, path, body} appended to a file, and answers 200. The lab routes Alertmanager to it in
 * addition to the bot, so a recording keeps the alerts that fired whether or not a bot was running.
 *
 *   npx tsx deploy/lab/webhook-recorder.ts --port 32095 --out .lab/logs/alertmanager-webhooks.jsonl
 */
import { createServer } from 'node:http';
import { appendFileSync } from 'node:fs';

const args = process.argv.slice(2);
const port = Number(args[args.indexOf('--port') + 1]);
const out = args[args.indexOf('--out') + 1];
if (!port || !out) throw new Error('usage: webhook-recorder.ts --port PORT --out FILE');

createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const text = Buffer.concat(parts).toString('utf8');
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* keep raw text: still evidence of what arrived */ }
    appendFileSync(out, JSON.stringify({ receivedAt: new Date().toISOString(), path: req.url, body: parsed }) + '\n');
    res.writeHead(200);
    res.end('ok');
  });
}).listen(port, '127.0.0.1', () => console.log(`webhook recorder on :${port} → ${out}`));
