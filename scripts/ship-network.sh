#!/usr/bin/env bash
# Ship a trained and validated network: scripts/ship-network.sh MODEL REFERENCE CALIBRATION
#   expects runs/train/MODEL (from `hssm-nre train MODEL --out runs/train/MODEL`) and
#   runs/val/MODEL (from `hssm-nre validate runs/train/MODEL --reference REFERENCE
#   --calibration CALIBRATION --out runs/val/MODEL`); copies the network into the package and
#   the report into docs/validation (its command rewritten to the shipped name), then records
#   the report's metrics in the shipped card.
set -euo pipefail
cd "$(dirname "$0")/.."
m=$1 ref=$2 cal=$3
src=runs/train/$m val=runs/val/$m dst=src/hssm_nre/networks/$m
for f in "$src/card.json" "$src/weights.safetensors" "$val/$m.md" "$val/${m}_metrics.json"; do
  test -f "$f" || { echo "missing $f" >&2; exit 1; }
done
mkdir -p "$dst" docs/validation/figures
cp "$src"/card.json "$src"/weights.safetensors "$dst"/
test -f "$src/loss.png" && cp "$src/loss.png" "$dst"/
for f in "$val"/"$m".md "$val"/"$m"_*; do cp "$f" docs/validation/; done
cp "$val"/figures/"$m"_* docs/validation/figures/ 2>/dev/null || true
sed -i "s#hssm-nre validate $src #hssm-nre validate $m #" "docs/validation/$m.md"
cmd="hssm-nre validate $m --reference $ref"
[ "$cal" != 0 ] && cmd+=" --calibration $cal"
grep -q "Reproduce: \`$cmd\`" "docs/validation/$m.md" || { echo "report does not say: $cmd" >&2; exit 1; }
.tools/bin/uv run --frozen --no-sync python -c "
from hssm_nre.validation.report import record_in_card
print(record_in_card('$m', 'docs/validation/$m.md', '$ref', '$cmd'))"
