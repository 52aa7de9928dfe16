import { Readable } from "node:stream";
import { Transform as Json2CsvTransform } from "@json2csv/node";
import { decimalString } from "@/lib/money";

/** A decimal written as is (never through a float), unquoted so spreadsheets read a number. */
export class Decimal {
  constructor(readonly text: string) {}
}

export function decimal(units: number, scale: number): Decimal {
  return new Decimal(decimalString(units, scale));
}

/** A column: its header and how a row gives its cell. */
export interface CsvField<Row> {
  label: string;
  value: (row: Row) => unknown;
}

/**
 * The CSV as a pull-based web stream: the first page is queried when the reader first
 * pulls, each next page when it wants more; cancelling stops the queries. Each page goes
 * into json2csv whole (its transform formats the page's rows), so json2csv writes one
 * piece of text per page, and the response handles a few hundred chunks for a million
 * rows, not a million.
 */
export function csvStream<Row>(
  pages: AsyncGenerator<Row[]>,
  fields: CsvField<Row>[],
  withBOM: boolean,
): ReadableStream<Uint8Array> {
  const source = Readable.from(pages, { objectMode: true, highWaterMark: 1 });
  const transform = new Json2CsvTransform(
    {
      fields,
      withBOM,
      eol: "\r\n",
      // A page in, its rows out (json2csv flattens the array a transform returns).
      transforms: [(page: Row[]) => page as never],
      formatters: {
        // typeof null is "object": an absent value is an empty cell.
        object: (value: object | null) => (value === null ? "" : value instanceof Decimal ? value.text : JSON.stringify(value)),
      },
    },
    {},
    { objectMode: true, highWaterMark: 1 },
  );
  const node = source.pipe(transform);
  source.on("error", (error) => transform.destroy(error));
  // A reader that goes away destroys the transform; stop reading pages with it.
  transform.on("close", () => source.destroy());
  const text = node[Symbol.asyncIterator]() as AsyncIterator<string | Buffer>;
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await text.next();
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(typeof next.value === "string" ? encoder.encode(next.value) : new Uint8Array(next.value));
      },
      async cancel() {
        transform.destroy();
        source.destroy();
        await text.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
