/** The text of a PDF, page by page, read with pdf.js (an independent reader of what was rendered). */
export async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const document = await pdfjs.getDocument({ data: new Uint8Array(bytes), verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= document.numPages; i++) {
    const content = await (await document.getPage(i)).getTextContent();
    pages.push(content.items.map((item) => ("str" in item ? item.str : "")).join(" "));
  }
  await document.destroy();
  return pages.join("\n");
}

/**
 * Text without any white space: pdf.js splits a run of text where the layout kerns it
 * ("€177 .20"), so texts are compared without spaces.
 */
export const compact = (text: string) => text.replace(/\s+/g, "");

/**
 * Minor units as the PDF prints them in English ("€1,234.56", "-$0.42"), built here from
 * integers: the oracle for amounts the database holds.
 */
export function printed(minor: number, currency: string): string {
  const symbol = ({ EUR: "€", USD: "$", GBP: "£" } as Record<string, string>)[currency] ?? `${currency} `;
  const abs = Math.abs(minor);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${minor < 0 ? "-" : ""}${symbol}${whole}.${String(abs % 100).padStart(2, "0")}`;
}
