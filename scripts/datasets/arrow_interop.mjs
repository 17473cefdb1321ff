// Second Arrow implementation for the datasets interoperability test (datasets/interop_test.go),
// using the apache-arrow JavaScript package pinned in package.json.
//
//   node arrow_interop.mjs read FILE    prints the file's schema metadata and columns as JSON
//   node arrow_interop.mjs write FILE   writes a trajdiff geometric dataset (schema version 1)
//
// The written values follow closed formulas that the Go test recomputes:
//   trajectory i (i = 0, 1, 2): id 10 + i, positions[k] = i + k / 8 (k = 0..11, frames 2 x
//   nodes 2 x 3 coordinates), node_features[k] = 100 i + k (nodes 2 x 1 feature).
import { readFileSync, writeFileSync } from 'node:fs';
import {
  tableFromIPC, tableToIPC, makeData, Table, RecordBatch, Schema, Field, Struct,
  FixedSizeList, Float32, Int64,
} from 'apache-arrow';

function toPlain(v) {
  if (typeof v === 'bigint') return Number(v);
  if (v === null || typeof v !== 'object') return v;
  if (typeof v.toArray === 'function' || ArrayBuffer.isView(v)) return Array.from(v, toPlain);
  return v;
}

function read(file) {
  const table = tableFromIPC(readFileSync(file));
  const out = { numRows: table.numRows, metadata: Object.fromEntries(table.schema.metadata), columns: {} };
  for (const field of table.schema.fields) {
    const col = table.getChild(field.name);
    const values = [];
    for (let i = 0; i < col.length; i++) {
      const v = toPlain(col.get(i));
      if (Array.isArray(v)) values.push(...v); else values.push(v);
    }
    out.columns[field.name] = { type: String(field.type), values };
  }
  process.stdout.write(JSON.stringify(out));
}

function write(file) {
  const n = 3;
  const ids = new BigInt64Array(n);
  const pos = new Float32Array(n * 12);
  const feat = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    ids[i] = BigInt(10 + i);
    for (let k = 0; k < 12; k++) pos[i * 12 + k] = i + k / 8;
    for (let k = 0; k < 2; k++) feat[i * 2 + k] = 100 * i + k;
  }
  const fsl = (size, values) => makeData({
    type: new FixedSizeList(size, new Field('item', new Float32(), false)),
    length: n, nullCount: 0,
    child: makeData({ type: new Float32(), length: values.length, nullCount: 0, data: values }),
  });
  const fields = [
    new Field('trajectory', new Int64(), false),
    new Field('positions', new FixedSizeList(12, new Field('item', new Float32(), false)), false),
    new Field('node_features', new FixedSizeList(2, new Field('item', new Float32(), false)), false),
  ];
  const spec = { frames: 2, nodes: 2, spatial_dim: 3, node_feature_dim: 1, dt: 0.5 };
  const metadata = new Map([
    ['trajdiff.schema_version', '1'],
    ['trajdiff.kind', 'geometric'],
    ['trajdiff.dtype', 'float32'],
    ['trajdiff.spec', JSON.stringify(spec)],
    ['trajdiff.units', JSON.stringify({ positions: 'nm' })],
    ['trajdiff.generator', JSON.stringify({ name: 'apache-arrow-js', version: '21.2.0', seed: 0 })],
  ]);
  const schema = new Schema(fields, metadata);
  const children = [
    makeData({ type: new Int64(), length: n, nullCount: 0, data: ids }),
    fsl(12, pos),
    fsl(2, feat),
  ];
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
  writeFileSync(file, tableToIPC(new Table(schema, [batch]), 'file'));
}

const [cmd, file] = process.argv.slice(2);
if (cmd === 'read') read(file);
else if (cmd === 'write') write(file);
else { process.stderr.write('usage: node arrow_interop.mjs read|write FILE\n'); process.exit(2); }
