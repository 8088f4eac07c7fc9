/**
 * Secrets reach the CLI on standard input only: argv is visible to every user of the machine (ps,
 * /proc) and lands in shell history. On a terminal the prompt goes to stderr and typing is not echoed.
 */
import * as readline from "node:readline";

export async function readSecretFromStdin(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) return readHidden(prompt);
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  const text = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (text.trim() === "")
    throw new Error("no secret on standard input (pipe it in, e.g. `cat secret.txt | ...`)");
  return text;
}

function readHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // readline echoes through _writeToOutput; silence it so the secret never shows on screen.
    const muted = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(prompt);
    muted._writeToOutput = () => undefined;
    rl.question("", (answer) => {
      rl.close();
      process.stderr.write("\n");
      if (answer.trim() === "") reject(new Error("no secret entered"));
      else resolve(answer);
    });
  });
}
