// A yes/no question on the terminal, for Ctrl-C during `run`: "Delete hook x? [y/N]".

interface Input {
  isTTY?: boolean;
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  off(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** Asks on `output` and reads one line from `input`; no terminal to answer means no. */
export function terminalConfirm(input: Input, output: { write(s: string): unknown }): (question: string) => Promise<boolean> {
  return (question) =>
    new Promise((resolve) => {
      if (!input.isTTY) return resolve(false);
      output.write(question);
      const onData = (chunk: Buffer | string): void => {
        input.off("data", onData);
        input.pause();
        resolve(/^\s*y(es)?\s*$/i.test(String(chunk)));
      };
      input.on("data", onData);
      input.resume();
    });
}
