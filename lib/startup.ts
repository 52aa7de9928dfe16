import { EnvError, getEnv } from "./env";

/** Stops the server at start-up when the environment is incomplete, naming what is wrong. */
export function checkEnvironmentOrExit(): void {
  try {
    getEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(`\n${error.message}\n`);
    process.exit(1);
  }
}
