// What a terminal shows after a stream of text with carriage returns and line erasures: the lines a person reads.

/** Renders `raw` as a terminal would: `\r` returns to the line's start, `ESC[2K` erases the line, `\n` starts a new one. */
export function screen(raw: string): string[] {
  const lines: string[] = [""];
  let column = 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what this reads.
  for (const token of raw.match(/\x1b\[[0-9;?]*[A-Za-z]|\r|\n|[^\x1b\r\n]+/g) ?? []) {
    const row = lines.length - 1;
    if (token === "\r") column = 0;
    else if (token === "\n") {
      lines.push("");
      column = 0;
    } else if (token === "\x1b[2K") lines[row] = "";
    else if (token.startsWith("\x1b[")) continue;
    else {
      const line = lines[row]!.padEnd(column);
      lines[row] = line.slice(0, column) + token + line.slice(column + token.length);
      column += token.length;
    }
  }
  return lines.filter((line) => line !== "");
}
