#!/usr/bin/env bash
# End to end: a table as users have it. A CSV with a column of words, empty and NA cells trains
# (latent info shows each column's kind, levels and scaling); anomaly fit sets its threshold on the
# rows training held out; anomaly score --explain 3 names the column a planted anomaly changed;
# scoring never changes the detector; the server scores a row given as {"columns": {...}} to the
# same bits as the CLI; reconstruct fills a missing cell; bad tables get one clear line.
# Usage: cli_table.sh path/to/latent
set -uo pipefail
latent=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=cli_lib.sh
source "$here/cli_lib.sh"
# shellcheck source=serve_lib.sh
source "$here/serve_lib.sh"

# 1,200 rows: size in 1..9, weight = 3 * size + noise, colour red when size > 5 else blue, city
# one of four; 4% of cells empty or NA. Then test rows: normal, weight broken, colour broken.
/usr/bin/python3 - "$work" <<'PY'
import random, sys
out = sys.argv[1]
rng = random.Random(7)
def cell(v):
    r = rng.random()
    return "" if r < 0.02 else "NA" if r < 0.04 else v
with open(f"{out}/train.csv", "w") as f:
    f.write("size,weight,colour,city\n")
    for _ in range(1200):
        s = rng.uniform(1, 9)
        f.write(",".join([cell(f"{s:.3f}"), cell(f"{3 * s + rng.gauss(0, 0.3):.3f}"),
                          cell("red" if s > 5 else "blue"), cell(rng.choice(["paris", "lyon", "nice", "lille"]))]) + "\n")
with open(f"{out}/test.csv", "w") as f:
    f.write("city,size,weight,colour\n")  # another column order: columns are matched by name
    f.write("paris,2.0,6.1,blue\n")       # normal
    f.write("lyon,7.0,4.0,red\n")         # weight broken
    f.write("nice,8.0,24.0,blue\n")       # colour broken
    f.write("rome,3.0,,blue\n")           # an unseen city and a missing weight
PY

run "$latent" train --data "csv:$work/train.csv" --val 0.2 --seed 1 --out "$work/t.model"
"$latent" info "$work/t.model" --json >"$work/info.json" || fail "info failed"
/usr/bin/python3 - "$work/info.json" <<'PY' || fail "info does not show the table's columns"
import json, sys
info = json.load(open(sys.argv[1]))
columns = info["columns"]
assert columns[0].startswith("size: number (standard"), columns
assert columns[2].startswith("colour: 2 levels + other (blue, red)") or columns[2].startswith("colour: 2 levels + other (red, blue)"), columns
assert columns[3].startswith("city: 4 levels + other"), columns
assert info["spec"]["output"] == "table" and info["spec"]["table_blocks"] == [3, 5], info["spec"]
# The table recipe: one hidden layer of 64, a code of at most half the 10 encoded columns.
assert info["spec"]["layers"] == [64] and info["spec"]["latent"] == 5, info["spec"]
PY

run "$latent" anomaly fit --model "$work/t.model" --data "csv:$work/train.csv" --threshold fpr:0.05 --out "$work/t.det"
"$latent" info "$work/t.det" | grep -q "threshold_set_on *the 240 rows training held out (--val 0.2)" ||
  fail "the threshold was not set on the 240 held-out rows: $("$latent" info "$work/t.det")"

# --calibration takes fewer of the held-out rows, never rows the model trained on.
run "$latent" anomaly fit --model "$work/t.model" --data "csv:$work/train.csv" --calibration 0.1 --out "$work/c.det"
"$latent" info "$work/c.det" | grep -q "threshold_set_on *120 of the 240 rows training held out" ||
  fail "--calibration 0.1 did not take 120 held-out rows: $("$latent" info "$work/c.det")"
expect_bad "--calibration past the held-out rows" "--calibration 0.3: the model trained on all but 0.2 of these rows" \
  "$latent" anomaly fit --model "$work/t.model" --data "csv:$work/train.csv" --calibration 0.3 --out "$work/bad.det"

cp "$work/t.det" "$work/before.det"
run "$latent" anomaly score --detector "$work/t.det" --data "csv:$work/test.csv" --explain 3 --out "$work/s.csv"
run "$latent" anomaly score --detector "$work/t.det" --data "csv:$work/test.csv" --out "$work/s2.csv"
cmp -s "$work/t.det" "$work/before.det" || fail "scoring changed the detector file"
/usr/bin/python3 - "$work/s.csv" <<'PY' || fail "scores or explanations are wrong: $(cat "$work/s.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0]) == ["id", "score", "is_anomaly", "threshold", "threshold_rule", "column_1", "share_1", "column_2", "share_2", "column_3", "share_3"]
normal, weight, colour, gaps = rows
assert normal["is_anomaly"] == "0" and weight["is_anomaly"] == "1" and colour["is_anomaly"] == "1", rows
assert all(r["threshold_rule"] == "fpr:0.05" and float(r["threshold"]) > 0 for r in rows), rows
assert "weight" in (weight["column_1"], weight["column_2"]), weight
assert colour["column_1"] == "colour" or colour["column_2"] == "colour", colour
assert gaps["column_1"] == "city", gaps  # rome is "other", a level training never saw
assert abs(sum(float(weight[f"share_{k}"]) for k in (1, 2, 3)) - 1) < 0.2, weight
PY

# The server scores the same row to the same bits.
start_server "$work/serve.out" "$work/serve.err" "$latent" serve --port 0 --model "$work/t.model" --detector "$work/t.det"
if port=$(serve_port "$work/serve.out" "$pid"); then
  curl -s -X POST "http://127.0.0.1:$port/api/anomaly" -H 'Content-Type: application/json' \
    -d '{"columns": {"city": "lyon", "size": 7.0, "weight": 4.0, "colour": "red"}}' >"$work/api.json"
  /usr/bin/python3 - "$work/api.json" "$work/s.csv" <<'PY' || fail "server score differs from the CLI's: $(cat "$work/api.json")"
import csv, json, sys
api = json.load(open(sys.argv[1]))
cli = list(csv.DictReader(open(sys.argv[2])))[1]
assert api["score"] == float(cli["score"]), (api["score"], cli["score"])
assert api["is_anomaly"] is True and api["threshold_rule"] == "fpr:0.05", api
assert api["explain"][0]["column"] == cli["column_1"], (api["explain"], cli)
PY
  code=$(curl -s -o "$work/api_bad.json" -w '%{http_code}' -X POST "http://127.0.0.1:$port/api/anomaly" \
    -H 'Content-Type: application/json' -d '{"columns": {"sise": 7}}')
  [ "$code" = 400 ] && grep -q "no column 'sise'" "$work/api_bad.json" || fail "unknown column: $code $(cat "$work/api_bad.json")"
  kill "$pid"
  wait "$pid" 2>/dev/null
  pid=""
else
  fail "serve did not start: $(cat "$work/serve.err")"
fi

# reconstruct writes the table, the missing weight filled near 3 x size (9).
run "$latent" reconstruct --model "$work/t.model" --data "csv:$work/test.csv" --out "$work/r.csv"
/usr/bin/python3 - "$work/r.csv" <<'PY' || fail "reconstruct did not fill the missing weight: $(cat "$work/r.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0]) == ["size", "weight", "colour", "city"], rows[0]
assert 6 < float(rows[3]["weight"]) < 15, rows[3]
assert rows[0]["size"].count(".") == 1 and len(rows[0]["size"].split(".")[1]) == 3, rows[0]  # as train.csv wrote it
PY
# --fill-blanks writes test.csv back as it is (its column order, its decimals, rome, which is not a
# level the model knows, 4.0, not what the model makes of it) with only the empty weight filled.
run "$latent" reconstruct --model "$work/t.model" --data "csv:$work/test.csv" --fill-blanks --out "$work/f.csv"
/usr/bin/python3 - "$work/f.csv" <<'PY' || fail "--fill-blanks did not keep the given cells: $(cat "$work/f.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0]) == ["city", "size", "weight", "colour"], rows[0]
assert [(r["size"], r["colour"], r["city"]) for r in rows] == [
    ("2.0", "blue", "paris"), ("7.0", "red", "lyon"), ("8.0", "blue", "nice"), ("3.0", "blue", "rome")], rows
assert [r["weight"] for r in rows[:3]] == ["6.1", "4.0", "24.0"], rows
assert 6 < float(rows[3]["weight"]) < 15, rows[3]
PY
expect_bad "--fill-blanks on a picture" "--fill-blanks fills a table's empty cells" \
  "$latent" reconstruct --model "$work/t.model" --data "csv:$work/test.csv" --fill-blanks --out "$work/f.png"
[ ! -e "$work/f.png" ] || fail "--fill-blanks on a picture left a file"

# A table named by its path alone, with a column of dates and dashes for blanks: the dates are
# read as days (train says so, info shows the centre as a date) and a blank date is filled as one.
/usr/bin/python3 - "$work/days.csv" <<'PY'
import datetime, sys
with open(sys.argv[1], "w") as f:
    f.write("day,level\n")
    for i in range(60):
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=(i * 37) % 300)
        f.write(f"{day.isoformat()},{(i * 37) % 300 / 30:.1f}\n")
    f.write("-,5.0\n")
PY
run "$latent" train --data "$work/days.csv" --epochs 30 --val 0 --out "$work/days.model" >"$work/days_train.out"
grep -q "read as dates (days since 1970-01-01): day" "$work/days_train.out" "$work/last_stderr" ||
  fail "train did not say it read dates: $(cat "$work/days_train.out")"
run "$latent" info "$work/days.model" >"$work/days_info.out"
grep -q "day: date, in days (standard: centre 2024-" "$work/days_info.out" ||
  fail "info does not show the dates: $(cat "$work/days_info.out")"
run "$latent" reconstruct --model "$work/days.model" --data "$work/days.csv" --fill-blanks --out "$work/days_f.csv"
/usr/bin/python3 - "$work/days_f.csv" <<'PY' || fail "the blank date was not filled as a date: $(tail -3 "$work/days_f.csv")"
import csv, datetime, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 61 and rows[0]["day"] == "2024-01-01", rows[0]
filled = datetime.date.fromisoformat(rows[-1]["day"])  # level 5.0: about 150 days into the year
assert datetime.date(2024, 3, 1) <= filled <= datetime.date(2024, 8, 1), filled
PY

# Scores name each row as the file does: the columns left out as identifiers, as written, beside
# the row number (a column of the file named like one of the scores' own is marked as the file's).
/usr/bin/python3 - "$work/keyed.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("order,id,x,y\n")
    for i in range(40):
        f.write(f"{1000 + i},\"item {i}, blue\",{i % 7 / 7:.3f},{(i * 3) % 11 / 11:.3f}\n")
PY
run "$latent" train --data "$work/keyed.csv" --epochs 5 --val 0 --out "$work/keyed.model"
run "$latent" anomaly fit --model "$work/keyed.model" --data "$work/keyed.csv" --out "$work/keyed.det"
run "$latent" anomaly score --detector "$work/keyed.det" --data "$work/keyed.csv" --out "$work/keyed_s.csv"
/usr/bin/python3 - "$work/keyed_s.csv" <<'PY' || fail "scores do not name the rows: $(head -3 "$work/keyed_s.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0])[:4] == ["id", "order", "id_in_file", "score"], list(rows[0])
assert (rows[3]["id"], rows[3]["order"], rows[3]["id_in_file"]) == ("3", "1003", "item 3, blue"), rows[3]
PY

# A column of numbers read as categories (--categorical): index build and search read it so too.
printf 'code,x\n1,0.5\n2,0.1\n1,0.4\n3,0.9\n2,0.2\n' >"$work/codes.csv"
run "$latent" train --data "csv:$work/codes.csv" --categorical code --epochs 2 --val 0 --out "$work/codes.model"
run "$latent" index build --model "$work/codes.model" --data "csv:$work/codes.csv" --out "$work/codes.index"
run "$latent" search --index "$work/codes.index" --data "csv:$work/codes.csv" --index-of 0 -k 2
# Queries default to the indexed data set's other split; a table has none (not MNIST's digits).
expect_bad "eval-retrieval of a table without --queries" \
  "--queries: name the data to draw queries from (the index holds --data csv:$work/codes.csv, which has no test split)" \
  "$latent" eval-retrieval --index "$work/codes.index"

# A spreadsheet's export: a byte order mark, semicolons, decimal commas, CRLF, a quoted note over
# two lines, a label column of words, blank notes. It trains, says which word became which class,
# and kNN reads those classes (its PCA and raw baselines fill the blank cells with column means).
/usr/bin/python3 - "$work/sheet.csv" <<'PY'
import random, sys
rng = random.Random(3)
with open(sys.argv[1], "w", newline="") as f:
    f.write("\ufeffheight;weight;note;verdict\r\n")
    for i in range(200):
        tall = i % 2
        h = rng.gauss(1.85 if tall else 1.60, 0.04)
        note = '"first line\r\nsecond; line"' if i == 3 else rng.choice(["ok", "n/a", ""])
        f.write(f"{h:.2f};{h * 40 + rng.gauss(0, 1):.1f};{note};{'yes' if tall else 'no'}\r\n".replace(".", ","))
PY
run "$latent" train --data "csv:$work/sheet.csv,label=verdict" --epochs 3 --val 0 --seed 1 --out "$work/sheet.model"
grep -qF "(3 feature columns, labels from column 'verdict', classes: no=0, yes=1)" "$work/last_stderr" ||
  fail "the spreadsheet's label words are not reported: $(head -2 "$work/last_stderr")"
"$latent" info "$work/sheet.model" --json | /usr/bin/python3 -c '
import json, sys
columns = json.load(sys.stdin)["columns"]
assert columns[0].startswith("height: number") and columns[1].startswith("weight: number"), columns
assert columns[2].startswith("note: 2 levels"), columns' || fail "the spreadsheet's columns are not read as numbers and words"
"$latent" knn --model "$work/sheet.model" --data "csv:$work/sheet.csv,label=verdict" -k 3 --json >"$work/knn.json" ||
  fail "knn on the spreadsheet failed"
/usr/bin/python3 -c '
import json, sys
report = json.load(open(sys.argv[1]))
assert all(report[f]["accuracy"] >= 0.9 for f in ("codes", "pca", "raw")), report' "$work/knn.json" ||
  fail "knn on the spreadsheet (missing cells filled for the PCA and raw baselines): $(cat "$work/knn.json")"
# Given a model and no --data, a command reads the model's training data (not mnist), and says so.
run "$latent" knn --model "$work/sheet.model" -k 3 --json
grep -qF -- "--data csv:$work/sheet.csv,label=verdict (the model's training data" "$work/last_stderr" ||
  fail "knn without --data does not read the model's training data: $(cat "$work/last_stderr")"
run "$latent" eval --model "$work/sheet.model" --json
mv "$work/sheet.csv" "$work/moved.csv"
expect_bad "the model's training data moved" "the model's training data (--data csv:$work/sheet.csv,label=verdict) is not here" \
  "$latent" eval --model "$work/sheet.model"
mv "$work/moved.csv" "$work/sheet.csv"
# Classes by name: --normal-class takes a label word, and a second file that misses a class
# (dog) numbers the others as the model's training file did (fox is 2, not 1).
/usr/bin/python3 - "$work" <<'PY'
import random, sys
rng = random.Random(4)
centres = {"cat": 0.0, "dog": 3.0, "fox": 6.0}
for name, classes in (("pets.csv", ["cat", "dog", "fox"]), ("pets_test.csv", ["fox", "cat"])):
    with open(f"{sys.argv[1]}/{name}", "w") as f:
        f.write("a,b,class\n")
        for i in range(120):
            c = classes[i % len(classes)]
            f.write(f"{centres[c] + rng.gauss(0, 0.3):.3f},{rng.gauss(0, 1):.3f},{c}\n")
PY
run "$latent" train --data "csv:$work/pets.csv" --normal-class fox --epochs 2 --val 0 --out "$work/fox.model"
# Resuming names the class as the first run did: the same name is the same run, another differs.
run "$latent" train --resume "$work/fox.model.ckpt" --normal-class fox --epochs 3
expect_bad "resume with another class" "--normal-class (checkpoint: 2)" \
  "$latent" train --resume "$work/fox.model.ckpt" --normal-class cat --epochs 4
run "$latent" anomaly fit --model "$work/fox.model" --data "csv:$work/pets_test.csv" --normal-class fox --out "$work/fox.det"
# Without --normal-class, anomaly fit sets its threshold on the model's normal class, not on all.
run "$latent" anomaly fit --model "$work/fox.model" --data "csv:$work/pets_test.csv" --out "$work/fox2.det"
for file in fox.model fox.det fox2.det; do
  "$latent" info "$work/$file" --json | /usr/bin/python3 -c '
import json, sys
report = json.load(sys.stdin)
assert report.get("normal_class", report.get("training", {}).get("normal_class")) == 2, report' ||
    fail "$file: --normal-class fox is not class 2 of the model's training file"
done
expect_bad "an unknown class name" "--normal-class emu: --data csv:$work/pets.csv has no class of that name (its classes: cat, dog, fox)" \
  "$latent" train --data "csv:$work/pets.csv" --normal-class emu --out "$work/bad.model"
# A table as a spreadsheet exports it (bench/tabular_data.py orders): an order number counting up,
# a customer name in every row, money, shares and thousands formatted. The formatted cells are
# numbers; the order number and the name are left out (said so), so later orders (higher numbers,
# new names) are scored on what they hold: kept, the order number alone puts them out of range.
/usr/bin/python3 "$here/../bench/tabular_data.py" "$work" orders 2>/dev/null || fail "tabular_data.py orders failed"
run "$latent" train --data "csv:$work/orders/train.csv" --seed 1 --out "$work/orders.model"
grep -qF "read as numbers from formatted cells: amount ('\$" "$work/last_stderr" ||
  fail "train does not say it read formatted numbers: $(cat "$work/last_stderr")"
grep -qF "left out, as they only tell rows apart (an id, a row number, a different word in every row): order, name" \
  "$work/last_stderr" || fail "train does not leave out the identifiers: $(cat "$work/last_stderr")"
"$latent" info "$work/orders.model" --json | /usr/bin/python3 -c '
import json, sys
columns = json.load(sys.stdin)["columns"]
assert [c.split(":")[0] for c in columns] == ["amount", "discount", "units", "order", "name"], columns
assert columns[3] == "order: left out (an identifier)", columns' || fail "info does not show the identifiers left out"
run "$latent" anomaly fit --model "$work/orders.model" --threshold fpr:0.05 --out "$work/orders.det"
"$latent" anomaly eval --detector "$work/orders.det" --data "csv:$work/orders/test.csv" --normal-class 0 --json 2>/dev/null |
  /usr/bin/python3 -c 'import json, sys; r = json.load(sys.stdin); assert r["roc_auc"] > 0.7 and r["precision"] > 0.25, r' ||
  fail "later orders are not scored on what they hold"

printf 'a,b\n1,2\n3,"4\n5,6\n' >"$work/open.csv"
expect_bad "an unclosed quote" "open.csv:3: a quoted field opens on this line and is never closed" \
  "$latent" train --data "csv:$work/open.csv" --out "$work/bad.model"

printf 'size,weight,colour,city\n1,3,blue,paris\n,NA,?,\n' >"$work/gap.csv"
expect_bad "an empty row" "gap.csv:3: every value of the row is missing" "$latent" train --data "csv:$work/gap.csv" --out "$work/bad.model"
expect_bad "a word in --numeric" "column 'colour' is not a number: 'blue'" "$latent" train --data "csv:$work/train.csv" --numeric colour --out "$work/bad.model"
expect_bad "an unknown --ignore" "no column named 'nope'" "$latent" train --data "csv:$work/train.csv" --ignore nope --out "$work/bad.model"
expect_bad "words for pretrain" "column 'colour' holds words; latent pretrain reads numbers only" "$latent" pretrain --data "csv:$work/train.csv" --layers 8,4 --out "$work/bad.model"
expect_bad "--categorical on images" "--data mnist is not csv:FILE" "$latent" train --data mnist --categorical a --out "$work/bad.model"
printf 'size,colour\n1,blue\n' >"$work/short.csv"
expect_bad "a column the model reads is absent" "no column named 'city' (the columns are size, colour)" "$latent" anomaly score --detector "$work/t.det" --data "csv:$work/short.csv" --out "$work/bad.csv"
expect_bad "a bad threshold rule" "expected quantile:0.95, fpr:0.01" "$latent" anomaly fit --model "$work/t.model" --data "csv:$work/train.csv" --threshold fpr --out "$work/bad.det"

[ "$failures" -eq 0 ] && echo "all table CLI checks passed"
exit $((failures > 0))
