/** A table's header row: the first column reads as text, `numeric` ones align right on their digits. */
export function ColumnHeads({ columns }: { columns: { label: string; numeric?: boolean; className?: string }[] }) {
  return (
    <thead>
      <tr className="text-left text-xs text-slate-500">
        {columns.map((column) => (
          <th key={column.label} scope="col" className={`py-1 font-medium${column.numeric ? " qty" : ""}${column.className ? ` ${column.className}` : ""}`}>
            {column.label}
          </th>
        ))}
      </tr>
    </thead>
  );
}
