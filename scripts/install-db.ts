// `npm run db:install`: build the local FerretDB ahead of time (optional: the dev
// server and the tests do it on first use).
import { ensureFerretDb, FERRETDB_VERSION, toolsBinDir } from '../src/db/local-server.js';

try {
  const bin = ensureFerretDb((m) => console.log(m));
  console.log(`FerretDB ${FERRETDB_VERSION} ready at ${bin}`);
} catch (err) {
  console.error(`could not install FerretDB into ${toolsBinDir()}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
