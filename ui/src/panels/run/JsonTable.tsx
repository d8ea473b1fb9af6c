/** A JSON value as a table (rows of an array, or the leaves of an object), bounded; see domain/run/jsonTable.ts. */
import { useMemo } from 'react';
import { jsonTable } from '../../domain/run/jsonTable';

export function JsonTable({ value, label }: { value: unknown; label: string }) {
  const table = useMemo(() => jsonTable(value), [value]);
  return (
    <div className="json-table-wrap">
      <table className="json-table" aria-label={label}>
        <thead>
          <tr>
            {table.columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, index) => (
            <tr key={index}>
              {row.map((cell, column) => (
                <td key={column}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {(table.moreRows > 0 || table.moreColumns > 0) && (
        <p className="muted">
          {table.moreRows > 0 && `${table.moreRows} more rows not shown. `}
          {table.moreColumns > 0 && `${table.moreColumns} more columns not shown.`}
        </p>
      )}
    </div>
  );
}
