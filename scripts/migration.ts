/**
 * npm run migration:run                 apply pending migrations (under the same lock as the service)
 * npm run migration:revert              undo the last applied migration
 * npm run migration:generate -- <Name>  write a migration for the difference between entities and database
 */
import { generateMigration } from '../src/database/cli/generate-migration';
import { runCli, withDataSource } from '../src/database/cli/with-data-source';
import { ENTITIES } from '../src/entities';
import { runMigrationsLocked, withMigrationLock } from '../src/database/run-migrations';

runCli('migration', async () => {
  const [command, name] = process.argv.slice(2);
  await withDataSource(ENTITIES, async (dataSource) => {
    switch (command) {
      case 'run': {
        const applied = await runMigrationsLocked(dataSource);
        console.log(applied.length === 0 ? 'No pending migrations' : `Applied: ${applied.map((m) => m.name).join(', ')}`);
        return;
      }
      case 'revert':
        await withMigrationLock(dataSource, () => dataSource.undoLastMigration({ transaction: 'each' }));
        console.log('Reverted the last migration');
        return;
      case 'generate': {
        if (!name) throw new Error('usage: npm run migration:generate -- <PascalCaseName>');
        await runMigrationsLocked(dataSource); // diff against the fully migrated schema
        const file = await generateMigration(dataSource, name);
        console.log(file ? `Wrote ${file}` : 'Entities and migrations agree: nothing to generate');
        return;
      }
      default:
        throw new Error('usage: migration (run | revert | generate <Name>)');
    }
  });
});
