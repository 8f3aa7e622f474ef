export * from './types.js';
export { parseLogLine, StreamLineParser } from './parse-line.js';
export { parseGoDuration } from './parse-duration.js';
export { parseTimestamp } from './parse-time.js';
export { FileLogSource, type FileLogSourceConfig } from './file-source.js';
export { KubernetesLogSource, type KubernetesLogSourceConfig } from './kubernetes-source.js';
export { LokiLogSource, type LokiLogSourceConfig } from './loki-source.js';
export { createLogSource, createLogSources, fetchAllLogs, type FetchAllQuery } from './create-sources.js';
