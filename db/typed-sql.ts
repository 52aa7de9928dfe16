import { type AnyColumn, Column, type DriverValueDecoder, is, noopDecoder, SQL, sql, type Table } from "drizzle-orm";
import type { Executor } from "./client";

/**
 * Raw SQL, for the few statements where a benchmark shows the query builder costs too
 * much (the ledger's posting functions, the usage batch, the CSV export). Tables and
 * columns are written as the schema's objects (`${creditMovements.amount}`), never as
 * text, so a column renamed in `db/schema` fails the typecheck (or, if only its database
 * name changed, follows by itself); and the select list is a record of columns and
 * `sql<T>` expressions, from which the row type is derived.
 */

/** A select list: each key is the alias of a table column or of an expression typed with `sql<T>`. */
export type Selection = Record<string, AnyColumn | SQL<unknown>>;

type ColumnValue<C extends AnyColumn> = C["_"]["notNull"] extends true ? C["_"]["data"] : C["_"]["data"] | null;

/** The row a selection reads: a column's type as the schema maps it, an expression's as written. */
export type RowOf<S extends Selection> = {
  [K in keyof S]: S[K] extends AnyColumn ? ColumnValue<S[K]> : S[K] extends SQL<infer T> ? T : never;
};

type Decode = ((value: unknown) => unknown) | null;

function decoderOf(expression: AnyColumn | SQL<unknown>): Decode {
  if (is(expression, Column)) return (value) => expression.mapFromDriverValue(value);
  const decoder = (expression as unknown as { decoder?: DriverValueDecoder<unknown, unknown> }).decoder;
  return decoder && decoder !== noopDecoder ? (value) => decoder.mapFromDriverValue(value) : null;
}

/**
 * `select <selection> <rest>`: the rows, typed by the selection and decoded as the query
 * builder would decode them (a bigint column in number mode becomes a number; an
 * expression without `mapWith` is passed as the driver sent it).
 */
export async function queryRows<S extends Selection>(db: Executor, selection: S, rest: SQL): Promise<RowOf<S>[]> {
  const entries = Object.entries(selection);
  const list = sql.join(
    entries.map(([alias, expression]) => sql`${expression} as ${sql.identifier(alias)}`),
    sql`, `,
  );
  const rows = rowsOf(await db.execute(sql`select ${list} ${rest}`));
  const decoders = entries.map(([alias, expression]) => [alias, decoderOf(expression)] as const).filter(([, d]) => d !== null);
  if (decoders.length > 0) {
    for (const row of rows) {
      for (const [alias, decode] of decoders) {
        const value = row[alias];
        if (value !== null && value !== undefined) row[alias] = decode!(value);
      }
    }
  }
  return rows as RowOf<S>[];
}

/** A statement run for its effect (a lock, a write) whose rows nobody reads. */
export async function run(db: Executor, statement: SQL): Promise<void> {
  await db.execute(statement);
}

type ColumnKey<T extends Table> = keyof T["_"]["columns"] & string;

/**
 * One row per object of `rows`, inserted into `table` in one statement with one
 * parameter (a JSON array): a batch of a thousand rows does not become twenty thousand
 * parameters. The column list and the record's types come from the table's columns.
 */
export async function insertFromJson<T extends Table, K extends ColumnKey<T>>(
  db: Executor,
  table: T,
  keys: readonly K[],
  rows: readonly { [P in K]: unknown }[],
): Promise<void> {
  const columns = table as unknown as Record<K, AnyColumn>;
  const names = keys.map((key) => sql.identifier(columns[key].name));
  const definition = keys.map((key) => sql`${sql.identifier(columns[key].name)} ${sql.raw(columns[key].getSQLType())}`);
  const payload = rows.map((row) => Object.fromEntries(keys.map((key) => [columns[key].name, row[key]])));
  await db.execute(sql`
    insert into ${table} (${sql.join(names, sql`, `)})
    select ${sql.join(names, sql`, `)}
    from json_to_recordset(${JSON.stringify(payload)}::json) as x(${sql.join(definition, sql`, `)})`);
}

function rowsOf(result: unknown): Record<string, unknown>[] {
  return (result as { rows: Record<string, unknown>[] }).rows;
}
