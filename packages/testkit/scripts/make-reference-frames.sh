#!/usr/bin/env bash
# Regenerates packages/testkit/frames/: reference frames made by the reference
# command-line tools (lz4, zstd) from small deterministic inputs, and
# frames/manifest.json, which says what each frame decodes to. Every frame is
# decoded back with the same CLI before it is listed, so the manifest states
# what the reference tool itself outputs.
#
#   bash packages/testkit/scripts/make-reference-frames.sh
#
# The tests never run this: the frames are committed and shipped in the
# package (see the README, "Reference frames").
set -euo pipefail
cd "$(dirname "$0")/../frames"
rm -rf lz4 zstd inputs && mkdir -p lz4 zstd inputs

# Inputs: English-like text (compressible), pseudo-random bytes (incompressible,
# stored as raw blocks), zeros (RLE blocks, several blocks per frame), empty.
node -e '
const fs = require("node:fs");
const words = "the kernel stores rows in tables and indexes keys by bytes while plugins compress pages for disk".split(" ");
let s = 0x5eed, text = "";
const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
while (text.length < 6000) text += words[next() % words.length] + (next() % 9 === 0 ? ".\n" : " ");
fs.writeFileSync("inputs/text.bin", text.slice(0, 6000));
const random = Buffer.alloc(1500);
for (let i = 0; i < random.length; i++) random[i] = next() >>> 24;
fs.writeFileSync("inputs/random.bin", random);
fs.writeFileSync("inputs/zeros.bin", Buffer.alloc(300000));
fs.writeFileSync("inputs/empty.bin", Buffer.alloc(0));
'

# A skippable frame (magic 0x184D2A5?, little-endian length, payload): both CLIs skip it.
skippable() { printf '\x53\x2a\x4d\x18\x05\x00\x00\x00hello'; }

manifest=()
add() { # add <algorithm> <frame file> <content file>...
  local algorithm=$1 frame=$2
  shift 2
  local expected decoded
  expected=$(cat "$@" | sha256sum | cut -d' ' -f1)
  if [ "$algorithm" = lz4 ]; then decoded=$(lz4 -dc "$algorithm/$frame" | sha256sum | cut -d' ' -f1)
  else decoded=$(zstd -dc "$algorithm/$frame" | sha256sum | cut -d' ' -f1); fi
  [ "$expected" = "$decoded" ] || { echo "$algorithm/$frame does not decode to $*" >&2; exit 1; }
  local contents
  contents=$(printf '"%s",' "${@#inputs/}")
  manifest+=("{\"algorithm\":\"$algorithm\",\"frame\":\"$algorithm/$frame\",\"content\":[${contents%,}]}")
}

# lz4 (frame format; the CLI's defaults: 4 MiB blocks, block-independent, content checksum).
lz4 -q -c inputs/text.bin > lz4/text.lz4 && add lz4 text.lz4 inputs/text.bin
lz4 -q -9 -c --content-size -BD -BX -B4 inputs/text.bin > lz4/text-l9-size-dependent-blockcrc.lz4 && add lz4 text-l9-size-dependent-blockcrc.lz4 inputs/text.bin
lz4 -q -c --no-frame-crc inputs/text.bin > lz4/text-no-frame-crc.lz4 && add lz4 text-no-frame-crc.lz4 inputs/text.bin
lz4 -q -c inputs/random.bin > lz4/random.lz4 && add lz4 random.lz4 inputs/random.bin
lz4 -q -c -B4 --content-size inputs/zeros.bin > lz4/zeros-64k-blocks.lz4 && add lz4 zeros-64k-blocks.lz4 inputs/zeros.bin
lz4 -q -c inputs/empty.bin > lz4/empty.lz4 && add lz4 empty.lz4 inputs/empty.bin
lz4 -q -c < inputs/text.bin > lz4/text-from-stdin.lz4 && add lz4 text-from-stdin.lz4 inputs/text.bin
cat lz4/text.lz4 lz4/empty.lz4 lz4/random.lz4 > lz4/concatenated.lz4 && add lz4 concatenated.lz4 inputs/text.bin inputs/empty.bin inputs/random.bin
{ skippable; cat lz4/text.lz4; skippable; } > lz4/skippable-around.lz4 && add lz4 skippable-around.lz4 inputs/text.bin

# zstd (the CLI's defaults: content size when known, xxh64 checksum).
zstd -q -c inputs/text.bin > zstd/text.zst && add zstd text.zst inputs/text.bin
zstd -q -19 -c --no-check inputs/text.bin > zstd/text-l19-no-check.zst && add zstd text-l19-no-check.zst inputs/text.bin
zstd -q -c < inputs/text.bin > zstd/text-no-content-size.zst && add zstd text-no-content-size.zst inputs/text.bin
zstd -q -c inputs/random.bin > zstd/random.zst && add zstd random.zst inputs/random.bin
zstd -q -c inputs/zeros.bin > zstd/zeros.zst && add zstd zeros.zst inputs/zeros.bin
zstd -q -c --no-check < inputs/zeros.bin > zstd/zeros-no-size-no-check.zst && add zstd zeros-no-size-no-check.zst inputs/zeros.bin
zstd -q -c inputs/empty.bin > zstd/empty.zst && add zstd empty.zst inputs/empty.bin
cat zstd/text.zst zstd/empty.zst zstd/random.zst > zstd/concatenated.zst && add zstd concatenated.zst inputs/text.bin inputs/empty.bin inputs/random.bin
{ skippable; cat zstd/text.zst; skippable; } > zstd/skippable-around.zst && add zstd skippable-around.zst inputs/text.bin

# zeros.bin is only needed to check the frames above; the manifest rebuilds it.
rm inputs/zeros.bin
{
  echo '{'
  echo '  "generatedBy": "packages/testkit/scripts/make-reference-frames.sh",'
  echo "  \"tools\": { \"lz4\": \"$(lz4 --version 2>&1 | grep -o 'v[0-9.]*' | head -1)\", \"zstd\": \"$(zstd --version | grep -o 'v[0-9.]*' | head -1)\" },"
  echo '  "zeros.bin": 300000,'
  echo '  "frames": ['
  last=$((${#manifest[@]} - 1))
  for i in "${!manifest[@]}"; do
    if [ "$i" -lt "$last" ]; then echo "    ${manifest[$i]},"; else echo "    ${manifest[$i]}"; fi
  done
  echo '  ]'
  echo '}'
} > manifest.json
echo "wrote $(( ${#manifest[@]} )) frames to $(pwd)"
