#!/usr/bin/env bash
# Fails when an include points up a layer. The layers, lowest first, are LATENT_LAYERS in
# CMakeLists.txt; src/<layer>/ and include/latent/<layer>/ may include only their own layer and
# those below it, the torch-free ones (up to metrics) no torch header, no source or header sits
# at the top of src/ or include/latent/ but the umbrella all.h, which includes every public header,
# and the facade latent.h, which includes only base headers (it is installed without the rest).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
read -r -a layers <<<"$(sed -n 's/^set(LATENT_LAYERS \(.*\))$/\1/p' CMakeLists.txt)"
((${#layers[@]})) || { echo "check_layers: no set(LATENT_LAYERS ...) in CMakeLists.txt" >&2; exit 2; }
torch_free_top=metrics
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done
bad=0
for f in src/* include/latent/*; do
  [ -f "$f" ] && [ "$f" != include/latent/all.h ] && [ "$f" != include/latent/latent.h ] && { echo "check_layers: $f sits outside the layer folders" >&2; bad=1; }
done
for f in include/latent/*/*.h; do
  grep -qxF "#include \"${f#include/}\"" include/latent/all.h ||
    { echo "check_layers: include/latent/all.h does not include ${f#include/}" >&2; bad=1; }
done
if grep -n '^#include "' include/latent/latent.h | grep -v '"latent/base/error.h"'; then
  echo "check_layers: include/latent/latent.h (the facade) may include latent/base/error.h only" >&2; bad=1
fi
for dir in src include/latent; do
  for layer_dir in "$dir"/*/; do
    layer=$(basename "$layer_dir")
    [ -n "${rank[$layer]+x}" ] || { echo "check_layers: $layer_dir is not a layer in LATENT_LAYERS" >&2; bad=1; continue; }
    while IFS=: read -r file line text; do
      target=$(sed -n 's/^#include "\(latent\/\)\{0,1\}\([a-z_]*\)\/[a-z_0-9]*\.h".*/\2/p' <<<"$text")
      if [ -n "$target" ] && [ -n "${rank[$target]+x}" ] && ((rank[$target] > rank[$layer])); then
        echo "check_layers: $file:$line: $layer includes $target, a higher layer: $text" >&2; bad=1
      fi
      if ((rank[$layer] <= rank[$torch_free_top])) && grep -Eq '^#include <(torch|ATen|c10)/' <<<"$text"; then
        echo "check_layers: $file:$line: $layer must not need torch: $text" >&2; bad=1
      fi
    done < <(grep -Hn '^#include' -r "$layer_dir")
  done
done
((bad == 0)) || exit 1
echo "check_layers: ${#layers[@]} layers, every include points down"
