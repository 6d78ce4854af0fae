// The fenced code blocks of a Markdown document, with the heading they sit under, for tests that check or run docs.

export interface CodeBlock {
  /** The info string after the opening fence: sh, yaml, text. */
  lang: string;
  /** The nearest heading above the block, without its #s. */
  heading: string;
  text: string;
}

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let heading = "";
  let open: CodeBlock | undefined;
  for (const line of markdown.split("\n")) {
    if (open) {
      if (line.startsWith("```")) {
        blocks.push(open);
        open = undefined;
      } else open.text += `${line}\n`;
    } else if (line.startsWith("```")) open = { lang: line.slice(3).trim(), heading, text: "" };
    else if (line.startsWith("#")) heading = line.replace(/^#+\s*/, "");
  }
  return blocks;
}
