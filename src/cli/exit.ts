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
  failed: 1,
} as const;
