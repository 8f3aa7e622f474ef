/**
 * Groups keys the way an operator thinks about them: `/registry/pods/default/web-1` is "pods"
 * (`/registry/pods/`), not one key among thousands. Kubernetes keys keep their resource (and API group
 * for group-qualified resources, e.g. `/registry/apiregistration.k8s.io/apiservices/`); other keys keep
 * at most their first two directory levels.
 */
const MAX_PREFIX_CHARS = 120;

/** The end key of a prefix range over `key` (etcd's GetPrefixRangeEnd). */
export function prefixRangeEnd(key: string): string {
  for (let i = key.length - 1; i >= 0; i--) {
    const c = key.charCodeAt(i);
    if (c < 0xff) return key.slice(0, i) + String.fromCharCode(c + 1);
  }
  return '\u0000';
}

function shorten(s: string): string {
  return s.length > MAX_PREFIX_CHARS ? `${s.slice(0, MAX_PREFIX_CHARS)}…` : s;
}

export function keyPrefix(key: string | null, rangeEnd: string | null = null): string {
  if (key === null || key === '') return '(unknown)';
  if (key === '\u0000' && rangeEnd === '\u0000') return '(all keys)';
  // A Kubernetes prefix range over "/registry/pods" (no trailing slash) lists the resource itself.
  const isPrefixRange = rangeEnd !== null && rangeEnd !== '' && rangeEnd === prefixRangeEnd(key);
  const path = isPrefixRange && key.startsWith('/registry/') && !key.endsWith('/') ? `${key}/` : key;
  const lead = path.startsWith('/') ? '/' : '';
  const segments = (lead ? path.slice(1) : path).split('/');
  // The last segment is a key name unless the path ends with '/'.
  const dirs = segments.slice(0, -1).filter((s, i) => s !== '' || i === 0);
  if (dirs.length === 0) return shorten(path);
  if (dirs[0] === 'registry' && lead) {
    const resourceDepth = dirs[1]?.includes('.') ? 3 : 2;
    return shorten(`/${dirs.slice(0, Math.min(resourceDepth, dirs.length)).join('/')}/`);
  }
  return shorten(`${lead}${dirs.slice(0, 2).join('/')}/`);
}
