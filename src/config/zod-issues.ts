import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/**
 * Turns zod issues into "path.to.field: message" lines that an operator can act on. For a union
 * (e.g. a playbook check that is either a query or a log matcher) zod reports only "Invalid input";
 * report instead the problems of the alternative that came closest to matching.
 */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => describe(issue, []));
}

function describe(issue: Issue, prefix: PropertyKey[]): string[] {
  const fullPath = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const closest = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
    return closest.flatMap((inner) => describe(inner, fullPath));
  }
  if (issue.code === 'invalid_key' && issue.issues.length > 0) {
    const where = fullPath.length > 0 ? fullPath.map(String).join('.') : '(top level)';
    return issue.issues.map((inner) => `${where}: name "${String(issue.path.at(-1) ?? '')}" is invalid: ${inner.message}`);
  }
  const path = fullPath.length > 0 ? fullPath.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return [`${path}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`];
  }
  return [`${path}: ${issue.message}`];
}
