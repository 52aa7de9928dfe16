import type { ReactNode } from "react";

/**
 * The email's look: one column, inline styles (what mail clients keep), the product's
 * colours. Every text is a React child, so markup in a company name is escaped.
 */

const colors = { text: "#0f172a", muted: "#475569", link: "#4338ca", rule: "#e2e8f0", alert: "#991b1b" };

export interface EmailAction {
  label: string;
  href: string;
}

export function NoticeLayout(props: {
  preview: string;
  heading: string;
  company: string;
  children: ReactNode;
  action?: EmailAction;
  settingHref: string;
  reason: string;
}) {
  return (
    <html lang="en">
      <head>
        <meta httpEquiv="Content-Type" content="text/html; charset=UTF-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.heading}</title>
      </head>
      <body style={{ margin: 0, padding: "24px 12px", backgroundColor: "#f8fafc", color: colors.text, fontFamily: "Arial, Helvetica, sans-serif" }}>
        <div style={{ display: "none", maxHeight: 0, overflow: "hidden" }}>{props.preview}</div>
        <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} style={{ maxWidth: 560, margin: "0 auto", backgroundColor: "#ffffff", border: `1px solid ${colors.rule}`, borderRadius: 8 }}>
          <tbody>
            <tr>
              <td style={{ padding: 24, fontSize: 15, lineHeight: "22px" }}>
                <p style={{ margin: "0 0 4px", fontSize: 13, color: colors.muted }}>Billing · {props.company}</p>
                <h1 style={{ margin: "0 0 16px", fontSize: 20, lineHeight: "28px" }}>{props.heading}</h1>
                {props.children}
                {props.action ? (
                  <p style={{ margin: "24px 0" }}>
                    <a
                      href={props.action.href}
                      style={{ display: "inline-block", padding: "12px 18px", backgroundColor: colors.link, color: "#ffffff", borderRadius: 6, textDecoration: "none", fontWeight: 600 }}
                    >
                      {props.action.label}
                    </a>
                  </p>
                ) : null}
                <hr style={{ border: 0, borderTop: `1px solid ${colors.rule}`, margin: "24px 0 12px" }} />
                <p style={{ margin: 0, fontSize: 13, color: colors.muted }}>
                  {props.reason}{" "}
                  <a href={props.settingHref} style={{ color: colors.link }}>
                    Email settings for this notice
                  </a>
                </p>
              </td>
            </tr>
          </tbody>
        </table>
      </body>
    </html>
  );
}

export function Paragraph({ children, alert }: { children: ReactNode; alert?: boolean }) {
  return <p style={{ margin: "0 0 12px", color: alert ? colors.alert : colors.text }}>{children}</p>;
}

/** Label and value rows: "Balance  €4.20". */
export function Facts({ rows }: { rows: [string, string][] }) {
  return (
    <table role="presentation" cellPadding={0} cellSpacing={0} style={{ margin: "4px 0 12px", borderCollapse: "collapse" }}>
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <td style={{ padding: "4px 16px 4px 0", color: colors.muted }}>{label}</td>
            <td style={{ padding: "4px 0", fontWeight: 600 }}>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
