#!/usr/bin/env bash
# The main job on one machine, no cluster: the whole pipeline (Binance → producers → Kafka → consumers →
# InfluxDB) on the local real servers, fed by a Binance-compatible server that replays the recorded data
# shared beside the repository (../shared/data/binance; this machine cannot reach Binance), then the
# offline CLI on the same data. Output of the CLI goes to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
data=../shared/data/binance
[ -d "$data" ] || { echo "run: recorded Binance data not found at $data" >&2; exit 1; }
mkdir -p out
cs() { node bin/cryptostream.js "$@"; }

echo "1. the pipeline: USDC majors at 15m and 1h for the week of 2024-09-16, through real Kafka into InfluxDB"
npm run -s services:up
url_file=$(mktemp)
node scripts/binance-replay.ts > "$url_file" &
replay=$!
trap 'kill "$replay" 2>/dev/null || true; rm -f "$url_file"' EXIT
for _ in $(seq 100); do [ -s "$url_file" ] && break; sleep 0.1; done
[ -s "$url_file" ] || { echo "run: the Binance replay server did not start" >&2; exit 1; }
cs local --symbols BTCUSDC,ETHUSDC,XRPUSDC,SOLUSDC --intervals 15m,1h --binance-url "$(cat "$url_file")" \
  --from 2024-09-16T00:00:00Z --to 2024-09-23T00:00:00Z
echo "   (the stored points are in InfluxDB at $(grep '^INFLUX_URL=' .services/env | cut -d= -f2), buckets marketdata_raw and marketdata_enriched)"

echo "2. aggregate BTCUSDT 1m (2024-09-21, data.binance.vision CSV) into 1h candles → out/BTCUSDT-1h-from-1m.jsonl"
cs aggregate --to 1h "$data/BTCUSDT/1m/BTCUSDT-1m-2024-09-21.csv" > out/BTCUSDT-1h-from-1m.jsonl
echo "   $(wc -l < out/BTCUSDT-1h-from-1m.jsonl) candles; each equals Binance's own 1h candle:"
if grep -F -x -f <(sed 's/^\s*//; s/,$//' "$data/BTCUSDT/1h/BTCUSDT-1h-2024-09.json") out/BTCUSDT-1h-from-1m.jsonl | wc -l | grep -qx 24; then
  echo "   24 of 24 identical, digit for digit"
else
  echo "   MISMATCH against $data/BTCUSDT/1h/BTCUSDT-1h-2024-09.json" >&2; exit 1
fi

for symbol in BTCUSDT ETHUSDT XRPUSDT SOLUSDT; do
  out="out/$symbol-1h-enriched.jsonl"
  echo "3. enrich $symbol 1h (2024-09) with every indicator → $out"
  cs enrich --symbol "$symbol" --interval 1h "$data/$symbol/1h/$symbol-1h-2024-09.json" > "$out"
  tail -n 1 "$out" | node -e '
    const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const { symbol, interval, openTime, closeTime, open, high, low, close, volume, quoteVolume, trades, takerBuyBase, takerBuyQuote, ...ind } = c;
    console.log(`   ${new Date(openTime).toISOString()} close ${close}: ` +
      Object.entries(ind).map(([k, v]) => `${k}=${Number(v.toPrecision(6))}`).join(" "));'

done
