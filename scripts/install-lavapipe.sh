#!/usr/bin/env bash
# Installs Mesa's software Vulkan driver (lavapipe) so that Dawn (the `webgpu` package) finds an
# adapter on a machine without a GPU. Debian 12's own Mesa (22.3) is too old for Dawn (no adapter:
# "shaderUniform*ArrayDynamicIndexing required"); Mesa 25 from bookworm-backports works.
# Idempotent; needs root (CI runs as root). Fails loudly when no WebGPU adapter is found afterwards.
# Usage: bash scripts/install-lavapipe.sh [--check-only]
set -euo pipefail
cd "$(dirname "$0")/.."

have_lvp() { ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 && ldconfig -p | grep -q 'libvulkan.so.1'; }
mesa_major() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+:)?([0-9]+)\..*/\2/'; }

if [ "${1:-}" != "--check-only" ]; then
  if have_lvp && [ "$(mesa_major || echo 0)" -ge 25 ] 2>/dev/null; then
    echo "install-lavapipe: Mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) already installed"
  else
    if [ "$(id -u)" -ne 0 ]; then echo "install-lavapipe: must run as root to install Mesa from bookworm-backports" >&2; exit 1; fi
    . /etc/os-release
    if [ "${VERSION_CODENAME:-}" = "bookworm" ]; then
      echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bpo.list
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
    else
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null
    fi
    echo "install-lavapipe: installed Mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
  fi
fi

# The adapter check: Dawn must see an adapter through the `webgpu` package (optionalDependency).
node --input-type=module -e '
let gpu;
try { const m = await import("webgpu"); gpu = m.create([]); } catch (e) { console.error("install-lavapipe: the webgpu package does not load: " + e.message); process.exit(1); }
const a = await gpu.requestAdapter();
if (!a) { console.error("install-lavapipe: NO WebGPU ADAPTER after installing lavapipe"); process.exit(1); }
const i = a.info ?? {};
console.log(`install-lavapipe: WebGPU adapter ok: ${i.vendor || "?"} / ${i.architecture || "?"} / ${i.device || i.description || "?"}`);
process.exit(0);
'
