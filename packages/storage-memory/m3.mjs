import sb from 'sorted-btree';

const BTree = sb.default;
const latin1Slice = Buffer.prototype.latin1Slice,
  latin1Write = Buffer.prototype.latin1Write;
let x = 0x5eed;
const rnd = () => {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  return x;
};
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const tree = new BTree(undefined, cmp, 128);
const ks = [];
for (let i = 0; i < 200000; i++) {
  const k = new Uint8Array(16).map(() => rnd() & 255);
  const v = new Uint8Array(100).map(() => rnd() & 255);
  const ksn = latin1Slice.call(k, 0, 16);
  ks.push(ksn);
  tree.set(ksn, latin1Slice.call(v, 0, 100));
}
const starts = Array.from({ length: 2000 }, () => ks[rnd() % ks.length]);
let slab = new Uint8Array(16384),
  used = 0;
function dec(s) {
  const n = s.length;
  if (used + n > 16384) {
    slab = new Uint8Array(16384);
    used = 0;
  }
  const o = used;
  latin1Write.call(slab, s, o, n);
  used = o + n;
  return new Uint8Array(slab.buffer, o, n);
}
function A(start) {
  const out = [];
  const max = tree.maxKey();
  tree.forRange(start, max, true, (k, v) => {
    out.push([dec(k), dec(v)]);
    if (out.length >= 100) return { break: 1 };
  });
  return out;
}
function B(start) {
  const out = [];
  const max = tree.maxKey();
  tree.forRange(start, max, true, (k, v) => {
    out.push([k, v]);
    if (out.length >= 100) return { break: 1 };
  });
  return out;
}
function E(start) {
  let joined = '';
  const lens = [];
  const max = tree.maxKey();
  let n = 0;
  tree.forRange(start, max, true, (k, v) => {
    joined += k;
    joined += v;
    lens.push(k.length, v.length);
    if (++n >= 100) return { break: 1 };
  });
  const total = joined.length;
  const buf = new Uint8Array(total);
  latin1Write.call(buf, joined, 0, total);
  const ab = buf.buffer;
  const out = new Array(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const kl = lens[2 * i],
      vl = lens[2 * i + 1];
    out[i] = [new Uint8Array(ab, o, kl), new Uint8Array(ab, o + kl, vl)];
    o += kl + vl;
  }
  return out;
}
function Ejoinonly(start) {
  let joined = '';
  const max = tree.maxKey();
  let n = 0;
  tree.forRange(start, max, true, (k, v) => {
    joined += k;
    joined += v;
    if (++n >= 100) return { break: 1 };
  });
  return joined;
}
function Eflat(start) {
  const j = Ejoinonly(start);
  const buf = new Uint8Array(j.length);
  latin1Write.call(buf, j, 0, j.length);
  return buf;
}
function F(start) {
  const ks = [];
  const max = tree.maxKey();
  let total = 0;
  tree.forRange(start, max, true, (k, v) => {
    ks.push(k, v);
    total += k.length + v.length;
    if (ks.length >= 200) return { break: 1 };
  });
  const buf = new Uint8Array(total);
  const ab = buf.buffer;
  let o = 0;
  const out = new Array(ks.length >> 1);
  for (let i = 0; i < ks.length; i += 2) {
    const k = ks[i],
      v = ks[i + 1];
    latin1Write.call(buf, k, o, k.length);
    const kv = new Uint8Array(ab, o, k.length);
    o += k.length;
    latin1Write.call(buf, v, o, v.length);
    out[i >> 1] = [kv, new Uint8Array(ab, o, v.length)];
    o += v.length;
  }
  return out;
}
function time(name, f) {
  let best = 1e9;
  for (let r = 0; r < 15; r++) {
    const s = performance.now();
    for (const st of starts) f(st);
    best = Math.min(best, performance.now() - s);
  }
  console.log(name, ((best * 1e3) / 2000).toFixed(2), 'us/scan');
}
for (let i = 0; i < 2; i++) {
  time('A current', A);
  time('B nodecode', B);
  time('E joined', E);
  time('E join only', Ejoinonly);
  time('E join+flat', Eflat);
  time('F onebuf', F);
}
function G(start) {
  const parts = [];
  const max = tree.maxKey();
  tree.forRange(start, max, true, (k, v) => {
    parts.push(k, v);
    if (parts.length >= 200) return { break: 1 };
  });
  const joined = parts.join('');
  const total = joined.length;
  const buf = new Uint8Array(total);
  latin1Write.call(buf, joined, 0, total);
  const ab = buf.buffer;
  const n = parts.length >> 1;
  const out = new Array(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const kl = parts[2 * i].length,
      vl = parts[2 * i + 1].length;
    out[i] = [new Uint8Array(ab, o, kl), new Uint8Array(ab, o + kl, vl)];
    o += kl + vl;
  }
  return out;
}
function Gjoin(start) {
  const parts = [];
  const max = tree.maxKey();
  tree.forRange(start, max, true, (k, v) => {
    parts.push(k, v);
    if (parts.length >= 200) return { break: 1 };
  });
  const joined = parts.join('');
  const total = joined.length;
  const buf = new Uint8Array(total);
  latin1Write.call(buf, joined, 0, total);
  return buf;
}
function Gsub(start) {
  const parts = [];
  const max = tree.maxKey();
  tree.forRange(start, max, true, (k, v) => {
    parts.push(k, v);
    if (parts.length >= 200) return { break: 1 };
  });
  const joined = parts.join('');
  const total = joined.length;
  const buf = new Uint8Array(total);
  latin1Write.call(buf, joined, 0, total);
  const n = parts.length >> 1;
  const out = new Array(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const kl = parts[2 * i].length,
      vl = parts[2 * i + 1].length;
    out[i] = [buf.subarray(o, o + kl), buf.subarray(o + kl, o + kl + vl)];
    o += kl + vl;
  }
  return out;
}
for (let i = 0; i < 2; i++) {
  time('G join', G);
  time('G join+write only', Gjoin);
  time('G subarray', Gsub);
  time('B nodecode', B);
}
