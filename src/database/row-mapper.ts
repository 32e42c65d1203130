import { DataSource, EntityTarget, ValueTransformer } from 'typeorm';

export type RowMapper<T> = (row: Record<string, unknown>) => T;

/**
 * Turns rows of hand-written SQL (snake_case column names) into entities,
 * driven by the entity's own column metadata, transformers included — so a
 * new column needs no second mapping written by hand. Columns the query did
 * not select stay unset.
 */
export function rowMapper<T extends object>(dataSource: DataSource, target: EntityTarget<T>): RowMapper<T> {
  // Read from the metadata on first use, so a repository can be built before the DataSource is initialized.
  let table: { create: () => T; columns: Array<{ databaseName: string; propertyName: string; from?: (value: unknown) => unknown }> } | undefined;
  const build = (): NonNullable<typeof table> => {
    const metadata = dataSource.getMetadata(target);
    return {
      create: () => metadata.create() as T,
      columns: metadata.columns.map((column) => ({
        databaseName: column.databaseName,
        propertyName: column.propertyName,
        from: transformFrom(column.transformer),
      })),
    };
  };
  return (row) => {
    table ??= build();
    const entity = table.create();
    for (const { databaseName, propertyName, from } of table.columns) {
      if (!(databaseName in row)) continue;
      const value = row[databaseName];
      (entity as Record<string, unknown>)[propertyName] = from ? from(value) : value;
    }
    return entity;
  };
}

function transformFrom(transformer: ValueTransformer | ValueTransformer[] | undefined): ((value: unknown) => unknown) | undefined {
  if (transformer === undefined) return undefined;
  const chain = Array.isArray(transformer) ? [...transformer].reverse() : [transformer];
  return (value) => chain.reduce((v, t) => t.from(v) as unknown, value);
}
