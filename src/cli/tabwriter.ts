// Column alignment as the docker CLI's tables do it: Go's text/tabwriter (elastic tabstops) with docker's
// settings (minimum cell width 10, padding 3, spaces). Tab-terminated cells of consecutive lines form a
// column; the text after a line's last tab is not part of any column.

interface Cell {
  readonly text: string;
  readonly width: number;
}

export interface TabwriterOptions {
  readonly minWidth?: number;
  readonly padding?: number;
}

/** Aligns `text` (lines of `\t`-terminated cells). A final line without a newline stays without one. */
export function tabwriter(text: string, options: TabwriterOptions = {}): string {
  const minWidth = options.minWidth ?? 10;
  const padding = options.padding ?? 3;
  const lines: Cell[][] = text.split("\n").map((l) => l.split("\t").map((t) => ({ text: t, width: [...t].length })));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const line = lines[i] as Cell[];
      let s = "";
      line.forEach((c, j) => {
        s += c.text;
        const w = widths[j];
        if (j < line.length - 1 && w !== undefined) s += " ".repeat(Math.max(0, w - c.width));
      });
      out.push(s);
    }
  };

  // Go's Writer.format: a column block is a run of lines that have a cell in this column; its width is
  // the widest cell plus padding; the columns right of it are formatted within the block, recursively.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= (lines[i] as Cell[]).length - 1) continue;
      writeLines(start, i);
      start = i;
      let width = minWidth;
      for (; i < line1; i++) {
        const line = lines[i] as Cell[];
        if (column >= line.length - 1) break;
        width = Math.max(width, (line[column] as Cell).width + padding);
      }
      widths.push(width);
      format(start, i);
      widths.pop();
      start = i;
      i--;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join("\n");
}
