/** Columns between tab stops in the text box. */
export const TAB_WIDTH = 4;

export interface TextLayout {
  /** Visual lines after tab expansion and wrapping; never empty. */
  readonly lines: readonly string[];
  /** Where the caret (after the last character) sits. */
  readonly caretRow: number;
  readonly caretCol: number;
}

/** Replaces tabs with spaces up to the next tab stop. */
export function expandTabs(text: string): string {
  if (!text.includes('\t')) return text;
  let out = '';
  for (const ch of text) {
    out += ch === '\t' ? ' '.repeat(TAB_WIDTH - (out.length % TAB_WIDTH)) : ch;
  }
  return out;
}

/**
 * Lays out text for a box `cols` characters wide: '\n' starts a new line, long lines wrap at the
 * last space that fits (the space is dropped) or, in a long word, after `cols` characters. A
 * full last line puts the caret at the start of an extra empty line.
 */
export function layoutText(text: string, cols: number): TextLayout {
  const width = Math.max(1, Math.floor(cols));
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let rest = expandTabs(paragraph);
    while (rest.length > width) {
      const space = rest.lastIndexOf(' ', width);
      if (space > 0) {
        lines.push(rest.slice(0, space));
        rest = rest.slice(space + 1);
      } else {
        lines.push(rest.slice(0, width));
        rest = rest.slice(width);
      }
    }
    lines.push(rest);
  }
  const last = lines[lines.length - 1] ?? '';
  if (last.length >= width) {
    lines.push('');
    return { lines, caretRow: lines.length - 1, caretCol: 0 };
  }
  return { lines, caretRow: lines.length - 1, caretCol: last.length };
}
