// Builds the dashboard into the server crate, where `collabkit serve` embeds it:
// `app.js` and `app.css` bundled and minified by esbuild, and `index.html` naming them with a
// content hash so browsers may cache them for good. The output is committed (running the
// server needs no Node.js); a test rebuilds it and fails when it differs from the sources.
//
//   node build.mjs [outdir]     (default: ../crates/collabkit/src/dashboard/assets)
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = process.argv[2] ?? join(here, '../crates/collabkit/src/dashboard/assets');
mkdirSync(outdir, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: join(here, 'src/main.js'), style: join(here, 'src/style.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  legalComments: 'none',
  write: false,
  outdir,
  logLevel: 'warning',
});

const hashes = {};
for (const file of result.outputFiles) {
  const name = file.path.endsWith('.css') ? 'app.css' : 'app.js';
  writeFileSync(join(outdir, name), file.contents);
  hashes[name] = createHash('sha256').update(file.contents).digest('hex').slice(0, 12);
}
const html = readFileSync(join(here, 'src/index.html'), 'utf8')
  .replace('app.css', `app.css?v=${hashes['app.css']}`)
  .replace('app.js', `app.js?v=${hashes['app.js']}`);
writeFileSync(join(outdir, 'index.html'), html);
for (const [name, hash] of Object.entries(hashes)) {
  const size = readFileSync(join(outdir, name)).length;
  console.log(`${name.padEnd(8)} ${String(size).padStart(7)} bytes  ${hash}`);
}
