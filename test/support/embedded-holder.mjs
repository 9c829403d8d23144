// Holds an embedded PGlite directory open, as a dev server or a second terminal would:
// node embedded-holder.mjs <dir>. Prints "ready" once open, then waits until killed.
import { openEmbedded } from '../../dist/migrate/index.js';

const client = await openEmbedded(process.argv[2]);
await client.query('SELECT 1');
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
