// Asking before destroying (`network prune`, `system cleanup`): `[y/N]` on stderr, one line from stdin;
// anything but y/yes, an empty line or an empty non-interactive stdin mean no.

import type { CliContext } from "./common.js";

/** The first line of `input` ("" at end of input without one). */
export function readLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const done = (line: string): void => {
      input.off("data", onData);
      input.off("end", onEnd);
      input.off("error", onError);
      input.pause();
      resolve(line);
    };
    const onData = (chunk: Buffer | string): void => {
      buf += chunk.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) done(buf.slice(0, nl));
    };
    const onEnd = (): void => done(buf);
    const onError = (err: Error): void => { input.pause(); reject(err); };
    input.on("data", onData);
    input.once("end", onEnd);
    input.once("error", onError);
    input.resume();
  });
}

export async function confirm(ctx: CliContext, warning: string): Promise<boolean> {
  ctx.err(`WARNING! ${warning}\nAre you sure you want to continue? [y/N] `);
  const answer = (await readLine(ctx.stdin)).trim().toLowerCase();
  if (ctx.stdin.isTTY !== true) ctx.err("\n");
  return answer === "y" || answer === "yes";
}
