#!/usr/bin/env node
// After tsc: compiles workflows/state-overlays/*.yaml to validated JSON beside the built loader, so that
// `safeharbor triage` skips parsing and validating 54 YAML files. The loader uses it only while every
// YAML file still has the SHA-256 recorded in it; otherwise it reads the YAML as before.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const loader = require(path.resolve(__dirname, '..', 'dist', 'incidents', 'infrastructure', 'state-overlays.loader.js'));
fs.writeFileSync(loader.COMPILED_OVERLAYS_FILE, loader.compileStateOverlays());
process.stderr.write(`compiled state overlays -> ${path.relative(process.cwd(), loader.COMPILED_OVERLAYS_FILE)}\n`);
