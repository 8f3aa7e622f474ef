#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { CliError, commanderExitCode } from './exit.js';
import type { OutputFormat } from '../report/render.js';

// Every command loads its own code when it runs (dynamic import): `--help`, `why-slow` and the other
// commands that only print must not pay for Bolt, BullMQ and ioredis, which only the services need.

const formatOption = (): Option =>
  new Option('-f, --format <format>', 'output format').choices(['text', 'markdown', 'json']).default('text');
const configOption = (): Option => new Option('-c, --config <file>', 'config file (default: $ETCD_TRIAGE_CONFIG)');
const playbooksOption = (): Option => new Option('--playbooks <dir>', 'playbooks folder (default: the packaged playbooks/)');

/** Runs an action; a CliError becomes one line on stderr and its exit code, anything else exit 1. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof CliError) {
        process.stderr.write(`etcd-triage: ${err.message}\n`);
        process.exitCode = err.exitCode;
        return;
      }
      process.stderr.write(`etcd-triage: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  };
}

const program = new Command('etcd-triage')
  .description('Diagnoses etcd latency incidents from Prometheus metrics and etcd logs, in Slack or a terminal.')
  .showHelpAfterError()
  // Commander exits 1 on its own parse errors; bad input must exit 2 like every other usage error. Set before
  // the commands are added so that each of them inherits it.
  .exitOverride();

program
  .command('why-slow')
  .description('diagnose a cluster now and print the result')
  .argument('<cluster>', 'cluster name from the config')
  .addOption(configOption())
  .addOption(playbooksOption())
  .option('-w, --window <duration>', 'how far back to look, 1m to 24h (default: defaults.window)')
  .option('--end <time>', 'end of the window, RFC 3339 such as 2024-05-01T10:00:00Z (default: now)')
  .option('--focus <playbooks>', 'comma-separated playbook ids to run (default: all)')
  .option('--save-evidence <file>', 'write the collected evidence to a bundle for `replay`')
  .option('--charts <dir>', 'also write the charts of the top cause as PNG files into this existing folder')
  .addOption(formatOption())
  .action(
    action(async (cluster: string, opts: { config?: string; playbooks?: string; window?: string; end?: string; focus?: string; saveEvidence?: string; charts?: string; format: OutputFormat }) => {
      const { whySlow } = await import('./commands/why-slow.js');
      const { output, exitCode, notes } = await whySlow(cluster, opts);
      process.stdout.write(`${output}\n`);
      for (const n of notes) process.stderr.write(`${n}\n`);
      process.exitCode = exitCode;
    }),
  );

program
  .command('status')
  .description('one line per cluster: health, leader, slowest signal vs its guideline, database size vs quota')
  .argument('[cluster]', 'cluster name from the config, or all', 'all')
  .addOption(configOption())
  .addOption(playbooksOption())
  .option('--at <time>', 'evaluate at this time, RFC 3339 such as 2024-05-01T10:00:00Z (default: now)')
  .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(
    action(async (cluster: string, opts: { config?: string; playbooks?: string; at?: string; format: 'text' | 'json' }) => {
      const { statusCli } = await import('./commands/status.js');
      const { output, exitCode } = await statusCli(cluster, opts);
      process.stdout.write(`${output}\n`);
      process.exitCode = exitCode;
    }),
  );

program
  .command('replay')
  .description('re-run the playbooks over a saved evidence bundle, offline')
  .argument('<file>', 'bundle written by why-slow --save-evidence')
  .addOption(playbooksOption())
  .addOption(formatOption())
  .action(
    action(async (file: string, opts: { playbooks?: string; format: OutputFormat }) => {
      const { replay } = await import('./commands/replay.js');
      process.stdout.write(`${replay(file, opts)}\n`);
    }),
  );

program
  .command('handoff')
  .description('print the on-call handoff summary from the timeline in Redis ($REDIS_URL)')
  .argument('<cluster>', 'cluster name from the config, or all')
  .addOption(configOption())
  .addOption(playbooksOption())
  .option('-s, --since <duration>', 'length of the period, e.g. 12h (default: handoff.defaultSince)')
  .addOption(formatOption())
  .action(
    action(async (cluster: string, opts: { config?: string; playbooks?: string; since?: string; format: OutputFormat }) => {
      const { handoffCli } = await import('./commands/handoff.js');
      process.stdout.write(`${await handoffCli(cluster, opts)}\n`);
    }),
  );

program
  .command('check-config')
  .description('validate the config file and the playbooks; print every problem')
  .addOption(configOption())
  .addOption(playbooksOption())
  .option('--probe', "also ask each cluster's Prometheus whether its selectors match etcd and node_exporter series")
  .action(
    action(async (opts: { config?: string; playbooks?: string; probe?: boolean }) => {
      const { checkConfig } = await import('./commands/check-config.js');
      const { output, exitCode } = await checkConfig(opts);
      process.stdout.write(`${output}\n`);
      process.exitCode = exitCode;
    }),
  );

for (const [name, description] of [
  ['serve', 'run the HTTP front: Slack commands, webhooks, /healthz, /readyz, /metrics'],
  ['worker', 'run the job consumers (diagnoses and Slack delivery)'],
  ['start', 'run the HTTP front and the workers in one process'],
] as const) {
  program
    .command(name, { isDefault: name === 'start' })
    .description(description)
    .addOption(configOption())
    .addOption(playbooksOption())
    .option('-p, --port <port>', 'HTTP port (default: server.port or $PORT)')
    .action(
      action(async (opts: { config?: string; playbooks?: string; port?: string }) => {
        const { runServices } = await import('./run/run-services.js');
        await runServices(name, opts);
      }),
    );
}

try {
  // `start` is the default command, so commander would take an unknown command for an extra argument of
  // `start` ("too many arguments for 'start'"): name it for what it is.
  const first = process.argv[2];
  if (first !== undefined && !first.startsWith('-') && first !== 'help' && !program.commands.some((c) => c.name() === first)) {
    program.error(`error: unknown command '${first}'`, { code: 'commander.unknownCommand' });
  }
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  // Commander has already written its message (and the help) to stderr; help and --version are not errors.
  process.exitCode = commanderExitCode(err);
}
