/** A failure the CLI reports as one line on stderr with a specific exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const EXIT = {
  usage: 2,
  config: 2,
  unknownCluster: 2,
  prometheusUnreachable: 3,
  /** check-config --probe: valid, but a selector matches nothing (or its Prometheus did not answer). */
  probeWarning: 4,
  failed: 1,
} as const;

/** Help and version output end with 0; every other parse error of commander is bad input. */
export function commanderExitCode(err: { code: string; exitCode: number }): number {
  if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
  return EXIT.usage;
}
