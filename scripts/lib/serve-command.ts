import path from "node:path";

/**
 * How the production server is started (`npm start`): Node with tsx's loader running
 * scripts/serve.ts, which drains on SIGTERM. Everything that starts the built app (the
 * demo, the browser tests, the benchmarks) starts it this way; the port comes from PORT.
 */
export function serveCommand(root = process.cwd()): { command: string; args: string[] } {
  return { command: process.execPath, args: ["--import", "tsx", path.join(root, "scripts", "serve.ts")] };
}
