import http from "node:http";
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/**
 * A local SMTP server that keeps every message it receives, with a small web inbox: what
 * the demo sends its notices to, and what the tests read them from. Nothing leaves the
 * machine.
 */

export interface CaughtMail {
  /** Position in the inbox, from 1. */
  n: number;
  receivedAt: Date;
  messageId: string | null;
  from: string;
  to: string[];
  subject: string;
  html: string | null;
  text: string;
  attachments: { filename: string | null; contentType: string; size: number; content: Buffer }[];
}

export interface MailCatcher {
  smtpUrl: string;
  inboxUrl: string | null;
  messages: CaughtMail[];
  /** Waits until at least `count` messages arrived. */
  waitFor(count: number, options?: { timeoutMs?: number }): Promise<CaughtMail[]>;
  close(): Promise<void>;
}

export interface MailCatcherOptions {
  smtpPort?: number;
  /** Serves the web inbox on this port when set. */
  webPort?: number;
  host?: string;
  /**
   * Runs before a message is accepted; a promise that never settles holds the message
   * unaccepted (a server that stalls mid-send).
   */
  beforeAccept?: (raw: Buffer) => Promise<void>;
}

const addresses = (value: ParsedMail["to"]): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((v) => v.value.map((a) => a.address ?? "")).filter(Boolean);

function toCaught(parsed: ParsedMail, n: number): CaughtMail {
  return {
    n,
    receivedAt: new Date(),
    messageId: parsed.messageId ?? null,
    from: parsed.from?.text ?? "",
    to: addresses(parsed.to),
    subject: parsed.subject ?? "",
    html: typeof parsed.html === "string" ? parsed.html : null,
    text: parsed.text ?? "",
    attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? null, contentType: a.contentType, size: a.size, content: a.content })),
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function inboxPage(messages: CaughtMail[]): string {
  const rows = [...messages]
    .reverse()
    .map(
      (m) => `<li><a href="/messages/${m.n}"><strong>${escapeHtml(m.subject)}</strong></a><br><span>To ${escapeHtml(m.to.join(", "))} · ${m.receivedAt.toISOString().replace("T", " ").slice(0, 19)} UTC${m.attachments.length ? ` · ${m.attachments.length} attachment(s)` : ""}</span></li>`,
    )
    .join("");
  return page(
    "Demo inbox",
    `<h1>Demo inbox</h1><p>Every email the demo sends lands here; nothing leaves this machine. Reload to see new mail.</p>${messages.length ? `<ul>${rows}</ul>` : "<p>No email yet.</p>"}`,
  );
}

function messagePage(m: CaughtMail): string {
  const files = m.attachments
    .map((a, i) => `<li><a href="/messages/${m.n}/attachments/${i}">${escapeHtml(a.filename ?? `attachment ${i + 1}`)}</a> (${a.size} bytes)</li>`)
    .join("");
  return page(
    m.subject,
    `<p><a href="/">‹ Inbox</a></p><h1>${escapeHtml(m.subject)}</h1><p>From ${escapeHtml(m.from)}<br>To ${escapeHtml(m.to.join(", "))}</p>${files ? `<ul>${files}</ul>` : ""}` +
      (m.html ? `<iframe title="Email" sandbox src="/messages/${m.n}/html"></iframe>` : "") +
      `<h2>Plain text</h2><pre>${escapeHtml(m.text)}</pre>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:720px;margin:0 auto;padding:16px;color:#0f172a}a{color:#4338ca}li{margin:0 0 12px}ul{padding-left:18px}iframe{width:100%;height:560px;border:1px solid #cbd5e1;border-radius:6px}pre{white-space:pre-wrap;background:#f8fafc;padding:12px;border-radius:6px}span{color:#475569}</style></head><body>${body}</body></html>`;
}

function serveInbox(messages: CaughtMail[], port: number, host: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://inbox");
    const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": type, "x-content-type-options": "nosniff", ...headers });
      res.end(body);
    };
    if (url.pathname === "/") return send(200, "text/html; charset=utf-8", inboxPage(messages));
    if (url.pathname === "/api/messages") {
      return send(200, "application/json", JSON.stringify(messages.map(({ attachments, ...m }) => ({ ...m, attachments: attachments.map(({ content: _c, ...a }) => a) }))));
    }
    const match = url.pathname.match(/^\/messages\/(\d+)(?:\/(html|attachments\/(\d+)))?$/);
    const message = match ? messages[Number(match[1]) - 1] : undefined;
    if (!match || !message) return send(404, "text/plain", "Not found");
    if (match[2] === "html") {
      // The email's own HTML, with no scripts and nothing loaded from elsewhere.
      return send(200, "text/html; charset=utf-8", message.html ?? "", { "content-security-policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:" });
    }
    if (match[3] !== undefined) {
      const file = message.attachments[Number(match[3])];
      if (!file) return send(404, "text/plain", "Not found");
      return send(200, file.contentType, file.content, { "content-disposition": `inline; filename="${(file.filename ?? "attachment").replace(/[^\w.-]/g, "_")}"` });
    }
    return send(200, "text/html; charset=utf-8", messagePage(message));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = options.host ?? "127.0.0.1";
  const messages: CaughtMail[] = [];
  const waiters = new Set<() => void>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    size: 25 * 1024 * 1024,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        (options.beforeAccept ? options.beforeAccept(raw) : Promise.resolve())
          .then(() => simpleParser(raw))
          .then((parsed) => {
            messages.push(toCaught(parsed, messages.length + 1));
            callback();
            for (const wake of waiters) wake();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once("error", reject);
    smtp.listen(options.smtpPort ?? 0, host, () => resolve());
  });
  smtp.on("error", (error: Error) => console.error("mail catcher:", error.message));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const web = options.webPort !== undefined ? await serveInbox(messages, options.webPort, host) : null;
  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    inboxUrl: web ? `http://localhost:${(web.address() as AddressInfo).port}` : null,
    messages,
    waitFor(count, { timeoutMs = 15_000 } = {}) {
      if (messages.length >= count) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} emails, ${messages.length} arrived`));
        }, timeoutMs);
        const check = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages.slice());
        };
        waiters.add(check);
      });
    },
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      if (web) await new Promise<void>((resolve) => web.close(() => resolve()));
    },
  };
}
