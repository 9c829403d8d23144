// Applies one migration set from a separate process: node migrate-process.mjs <url> <source as JSON>.
// Prints the applied tags as JSON. Uses the built package, as a deploy would.
import { applyMigrations, connectForMigrations } from '../../dist/migrate/index.js';

const [url, sourceJson] = process.argv.slice(2);
const client = await connectForMigrations(url);
try {
  const steps = await applyMigrations(client, [JSON.parse(sourceJson)], { waitMs: 60_000 });
  process.stdout.write(JSON.stringify(steps.map((step) => step.tag)));
} finally {
  await client.close();
}
