/** Runs once when the server starts. */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { checkEnvironmentOrExit, startEmbeddedWorker } = await import("./lib/startup");
    checkEnvironmentOrExit();
    await startEmbeddedWorker();
  }
}
