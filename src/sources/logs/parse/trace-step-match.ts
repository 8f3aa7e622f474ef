/**
 * The parts of an etcd trace step, `trace[N] '<step>' {fields} (duration: X)`, found in time linear in
 * the length of the text. It gives exactly what /'(.+)'\s+(?:\{([^}]*)\}\s*)?\(duration: ([^)]+)\)\s*$/
 * gave, but that regex backtracks: for every quote it scans to the end of the text and back, so a step
 * of 100,000 quotes cost seconds (quadratic); a step is text from the log, and anyone can write quotes.
 *
 * What the regex means, and how it is found here:
 * - the tail `\(duration: X\)\s*$`: the last non-space character is `)`, and X (no `)` in it) starts
 *   after a `(duration: ` that follows the previous `)`;
 * - before the tail, after the closing quote: spaces, then optionally `{fields}` (up to the first `}`)
 *   and spaces; the fields form is preferred when it fits, as the regex's greedy `?` does;
 * - the name: from the first opening quote that has a closing quote on the same line (`.` does not cross
 *   line breaks) to the LAST such closing quote (greedy `.+`), at least one character between them.
 */
export interface StepParts {
  name: string;
  /** The text between `{` and `}`; null when the step has no fields group. */
  fields: string | null;
  duration: string;
}

const DURATION = '(duration: ';

/** Regex `\s` (and String.prototype.trim): WhiteSpace and LineTerminator, by code unit. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}
/** What regex `.` does not match. */
const isLineBreak = (c: number): boolean => c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;

export function matchTraceStep(text: string): StepParts | null {
  const end = text.trimEnd().length;
  const close = end - 1;
  if (close < 0 || text[close] !== ')') return null;
  const prevClose = text.lastIndexOf(')', close - 1);

  // Tail starts: every `(duration: ` after the previous `)` whose X is not empty.
  const tailAt = new Set<number>();
  for (let d = text.indexOf(DURATION, prevClose + 1); d >= 0 && d + DURATION.length < close; d = text.indexOf(DURATION, d + 1)) tailAt.add(d);
  if (tailAt.size === 0) return null;

  // Backward passes: the end of the space run starting at i, and the next `}` at or after i.
  const n = text.length;
  const spaceEnd = new Int32Array(n + 1);
  const nextBrace = new Int32Array(n + 1);
  spaceEnd[n] = n;
  nextBrace[n] = -1;
  for (let i = n - 1; i >= 0; i--) {
    spaceEnd[i] = isSpace(text.charCodeAt(i)) ? spaceEnd[i + 1]! : i;
    nextBrace[i] = text.charCodeAt(i) === 0x7d /* } */ ? i : nextBrace[i + 1]!;
  }

  /** The fields and duration when the rest of the regex matches from p (just after a closing quote). */
  const rest = (p: number): { fields: string | null; duration: string } | null => {
    const w = spaceEnd[p]!;
    if (w === p) return null;
    if (text[w] === '{') {
      const b = nextBrace[w + 1]!;
      if (b >= 0) {
        const q = spaceEnd[b + 1]!;
        if (tailAt.has(q)) return { fields: text.slice(w + 1, b), duration: text.slice(q + DURATION.length, close) };
      }
    }
    return tailAt.has(w) ? { fields: null, duration: text.slice(w + DURATION.length, close) } : null;
  };

  // Line by line: the first opening quote whose line has a working closing quote at least two further on.
  let lineStart = 0;
  while (lineStart <= n) {
    let lineEnd = lineStart;
    while (lineEnd < n && !isLineBreak(text.charCodeAt(lineEnd))) lineEnd++;
    const first = text.indexOf("'", lineStart);
    if (first >= 0 && first < lineEnd) {
      for (let e = text.lastIndexOf("'", lineEnd - 1); e >= first + 2; e = text.lastIndexOf("'", e - 1)) {
        const r = rest(e + 1);
        if (r !== null) return { name: text.slice(first + 1, e), ...r };
      }
    }
    lineStart = lineEnd + 1;
  }
  return null;
}
