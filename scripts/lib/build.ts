import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = process.cwd();
const INPUTS = [
  "app",
  "lib",
  "db",
  "next.config.ts",
  "postcss.config.mjs",
  "tsconfig.json",
  "package-lock.json",
  "instrumentation.ts",
  "proxy.ts",
];
const STAMP = path.join(ROOT, ".next", "source-hash");

function listFiles(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return [entry];
  return readdirSync(full, { withFileTypes: true })
    .flatMap((d) => listFiles(path.join(entry, d.name)))
    .sort();
}

/** A hash of everything the production build depends on. */
export function sourceHash(): string {
  const hash = createHash("sha256");
  for (const file of INPUTS.flatMap(listFiles)) {
    hash.update(file).update("\0").update(readFileSync(path.join(ROOT, file))).update("\0");
  }
  return hash.digest("hex");
}

/** Runs `next build` unless the last build was made from the same sources. */
export async function ensureBuild(log: (line: string) => void = console.log): Promise<"reused" | "built"> {
  const hash = sourceHash();
  const built = existsSync(path.join(ROOT, ".next", "BUILD_ID")) && existsSync(STAMP);
  if (built && readFileSync(STAMP, "utf8") === hash) return "reused";
  log("Building the app (next build)...");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(path.join(ROOT, "node_modules", ".bin", "next"), ["build"], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`next build exited with ${code}`))));
  });
  writeFileSync(STAMP, hash);
  return "built";
}
