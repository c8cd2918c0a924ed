// The size budget: dist/index.js bundled and minified with esbuild, then gzipped, is at most
// 12 KB; and the bundle has no dependency left to resolve (nothing for a browser to fetch).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { packageDir } from './support.mjs';

const BUDGET = 12 * 1024;

test('the SDK is at most 12 KB minified and gzipped, with no runtime dependencies', async (t) => {
  const pkg = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), [], 'no runtime dependencies');
  const out = await build({
    entryPoints: [path.join(packageDir, 'dist/index.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(out.metafile.inputs);
  assert.ok(inputs.every((f) => f.includes('dist/')), `only the SDK's own files: ${inputs.join(', ')}`);
  const code = out.outputFiles[0].contents;
  const gzipped = gzipSync(code, { level: 9 }).length;
  const line = `bundle: ${code.length} B minified, ${gzipped} B min+gzip (${(gzipped / 1024).toFixed(2)} KB of ${BUDGET / 1024} KB)`;
  t.diagnostic(line);
  console.log(line);
  assert.ok(gzipped <= BUDGET, line);
});
