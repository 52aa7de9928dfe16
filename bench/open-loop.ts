import http from "node:http";

export interface OpenLoopResult {
  sent: number;
  /** Milliseconds from each request's scheduled send time to the end of its answer, sorted. */
  latencies: number[];
  errors: number;
  non2xx: number;
}

/**
 * An open loop: `rate` requests a second for `seconds`, each sent at its scheduled time
 * (by the wall clock) whatever the earlier ones answered. A request's latency counts from
 * when it was due, not from when it left, so a stalled server (or a late client) shows in
 * the figures instead of silently lowering the rate (coordinated omission).
 */
export async function openLoop(
  target: string,
  request: { method: string; headers: Record<string, string>; body: string },
  rate: number,
  seconds: number,
): Promise<OpenLoopResult> {
  const url = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const body = Buffer.from(request.body);
  const headers = { ...request.headers, "content-length": String(body.length) };
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let settled = 0;
  let sent = 0;

  return new Promise((resolve) => {
    const finish = () => {
      agent.destroy();
      resolve({ sent, latencies: latencies.sort((a, b) => a - b), errors, non2xx });
    };
    const send = (due: number) => {
      sent++;
      const req = http.request(
        { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: request.method, headers },
        (res) => {
          res.resume();
          res.on("end", () => {
            latencies.push(performance.now() - due);
            if (res.statusCode! < 200 || res.statusCode! >= 300) non2xx++;
            if (++settled === total) finish();
          });
        },
      );
      req.on("error", () => {
        errors++;
        if (++settled === total) finish();
      });
      req.end(body);
    };
    const start = performance.now() + 20;
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) send(start + next++ * interval);
      if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    setTimeout(tick, 20);
  });
}

/** The value below which `fraction` of the sorted values lie (nearest rank). */
export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}
