import { loadConfig, resolveConfigPath } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import { loadPlaybooks } from '../diagnosis/playbook/load.js';
import type { Playbook } from '../diagnosis/playbook/schema.js';
import { CliError, EXIT } from './exit.js';

export interface Loaded {
  config: Config;
  configPath: string;
  playbooks: Playbook[];
}

/** Config and playbooks, validated; any problem becomes a CLI error that lists every problem. */
export function loadAll(configFlag: string | undefined, playbooksFlag?: string): Loaded {
  try {
    const configPath = resolveConfigPath(configFlag);
    const config = loadConfig(configPath);
    const playbooks = loadPlaybooks(playbooksFlag ?? config.playbooksDir);
    return { config, configPath, playbooks };
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT.config);
    throw err;
  }
}

export function requireCluster(config: Config, name: string): void {
  if (!config.clusters[name]) {
    const known = Object.keys(config.clusters).sort().join(', ');
    throw new CliError(`unknown cluster "${name}"; configured clusters: ${known}`, EXIT.unknownCluster);
  }
}
