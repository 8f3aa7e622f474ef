import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';

/**
 * A duration field of the config (15m, 1h, 1d). One pattern, the one parseDuration reads: a value the
 * schema admits is always one the code can read, never silently replaced by a default.
 */
export const durationText = z.string().regex(DURATION_PATTERN, 'must be a duration such as 30s, 15m, 12h or 1d');
