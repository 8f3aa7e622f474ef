import type { z } from 'zod';

/** Turns zod issues into "path.to.field: message" lines that an operator can act on. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `${path}: ${issue.message}`;
  });
}
