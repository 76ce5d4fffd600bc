#!/usr/bin/env bash
# Packs everything a bare x86-64 Linux GPU machine without Node, npm or network needs to run the WebGPU
# benchmark (bench/gpu.ts): this Node binary, the Dawn addon of the npm `webgpu` package, the benchmark
# bundled into one file with esbuild, and the Vulkan loader as Debian packages (unpacked there only when
# the machine has none). Everything goes into DIR (default .gpupack, ≤ 64 MiB), with DIR/run.sh:
#
#   bash bench/gpu-pack.sh [DIR]             # here (needs npm ci done, and apt-get download for the loader)
#   bash DIR/run.sh [bench:gpu options]      # there: JSON on stdout (and in $OUT/bench-gpu.json when OUT is set)
#
# Try it here on SwiftShader first:
#   env -i PATH=/usr/bin:/bin VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json bash .gpupack/run.sh --quick
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-.gpupack}"
rm -rf "$DIR"
mkdir -p "$DIR/node_modules/webgpu/dist/linux-x64" "$DIR/deb"

[ "$(uname -m)" = x86_64 ] || { echo "pack on x86-64: the GPU machine is x86-64" >&2; exit 1; }
NODE="$(command -v node)"
gzip -6 -c "$NODE" > "$DIR/node.gz"
W=node_modules/webgpu
cp "$W/package.json" "$W/index.js" "$DIR/node_modules/webgpu/"
gzip -6 -c "$W/dist/linux-x64/dawn.node" > "$DIR/node_modules/webgpu/dist/linux-x64/dawn.node.gz"

# the benchmark and everything it imports (the engine, the WebAssembly kernels, the dataset readers) in one file
npx esbuild bench/gpu.ts --bundle --platform=node --format=esm --target=node20 --external:webgpu --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
  --outfile="$DIR/bench-gpu.mjs"

# the Vulkan loader (the NVIDIA driver brings only its ICD); skipped when apt cannot fetch it here
( cd "$DIR/deb" && apt-get download libvulkan1 >/dev/null 2>&1 ) || echo "note: libvulkan1 not downloaded; the GPU machine must have a Vulkan loader" >&2

cat > "$DIR/run.sh" <<'EOF'
#!/usr/bin/env bash
# Runs the WebGPU benchmark on this machine (see bench/gpu-pack.sh). Arguments go to bench/gpu.ts.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="${TMPDIR:-/tmp}/mulfa-gpupack"
mkdir -p "$WORK/node_modules/webgpu/dist/linux-x64"
[ -x "$WORK/node" ] || { gzip -dc "$HERE/node.gz" > "$WORK/node"; chmod +x "$WORK/node"; }
cp "$HERE/node_modules/webgpu/package.json" "$HERE/node_modules/webgpu/index.js" "$WORK/node_modules/webgpu/"
[ -f "$WORK/node_modules/webgpu/dist/linux-x64/dawn.node" ] || gzip -dc "$HERE/node_modules/webgpu/dist/linux-x64/dawn.node.gz" > "$WORK/node_modules/webgpu/dist/linux-x64/dawn.node"
cp "$HERE/bench-gpu.mjs" "$WORK/"
# a Vulkan loader: the system's, else the packed one
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  for f in "$HERE"/deb/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
  ldconfig 2>/dev/null || true
fi
# the NVIDIA driver's ICD where containers mount it (the loader finds the usual places itself)
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$WORK}"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
cd "$WORK"
# the 800×800 scene of the PSNR part, rendered by one process per core
if [ ! -f scene/transforms_train.json ] && [[ " $* " != *" --quick "* ]]; then
  N=$(nproc); t0=$(date +%s)
  for k in $(seq 0 $((N - 1))); do ./node bench-gpu.mjs "$@" --scene-part "$k/$N" --scene scene & done
  wait
  echo "rendered the benchmark scene on $N cores in $(( $(date +%s) - t0 )) s" >&2
fi
[ -f scene/transforms_train.json ] && set -- --scene scene "$@"
if [ -n "${OUT:-}" ]; then
  ./node bench-gpu.mjs --json "$@" | tee "$OUT/bench-gpu.json"
else
  ./node bench-gpu.mjs --json "$@"
fi
EOF
chmod +x "$DIR/run.sh"
du -sh "$DIR" >&2
ls -la "$DIR" "$DIR/deb" >&2
