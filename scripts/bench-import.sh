#!/usr/bin/env bash
# The bulk import's benchmark (BENCHMARKS.md, "Bulk import"): generates a
# CSV of ROWS organisations (default 10,000; nothing is committed), creates
# a database of its own on the PostgreSQL of PGURL (default: the test
# cluster of make test), migrates it, loads the demo data (for its
# themes), then times, in one run so the ratios hold on a shared machine:
#   baseline   COPY of the same file into a scratch table (what PostgreSQL
#              alone takes to take the bytes in)
#   dry run    import csv --dry-run (every decision, every statement, rolled back)
#   import     import csv (one transaction per organisation, audit, index jobs)
#   re-import  import csv again (every row unchanged, nothing written)
# and drops the database.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-10000}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:54322}
DB=import_bench_$$
WORK=$(mktemp -d)
trap 'psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

FILE=$WORK/organisations.csv
awk -v rows="$ROWS" 'BEGIN {
	split("education;health|child-protection;education|water-sanitation|livelihoods;gender-equality|environment;food-security", themes, "|")
	split("ML;SN|BF|NE;ML|SN;MR;GN|BJ;TG|CM|TD;CM", countries, "|")
	split("Bamako|Dakar|Niamey|Ouagadougou|Cotonou|Lomé|Yaoundé", cities, "|")
	split("ML|SN|NE|BF|BJ|TG|CM", codes, "|")
	print "slug,name,kind,website,email,founded_year,description_fr,description_en,themes,countries,identifiers,facebook,hq_name,hq_address,hq_city,hq_country,hq_latitude,hq_longitude,contact_name,contact_email"
	for (i = 1; i <= rows; i++) {
		t = 1 + i % 5; c = 1 + i % 7; k = 1 + i % 7
		printf "bench-org-%d,Organisation de test %d,national-ngo,https://www.bench-%d.example.org,contact@bench-%d.example.org,%d,", i, i, i, i, 1950 + i % 70
		printf "\"Une association fictive (%d), qui travaille avec les communautés, les écoles et les centres de santé.\",", i
		printf "\"A fictional association (%d) working with communities, schools and health centres.\",", i
		printf "%s,%s,XM-BENCH:%d,https://www.facebook.com/bench%d,Siège — %s,\"%d, avenue de l'\''Indépendance\",%s,%s,%.4f,%.4f,Coordination,coordination@bench-%d.example.org\n", themes[t], countries[c], i, i, cities[k], i % 300, cities[k], codes[k], 10 + (i % 500) / 100.0, -5 + (i % 900) / 100.0, i
	}
}' > "$FILE"
echo "file: $ROWS rows, $(du -h "$FILE" | cut -f1)"

psql "$PGURL/postgres" -qc "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$PGURL/$DB?sslmode=disable" MEILI_URL=${MEILI_URL:-http://127.0.0.1:1}
go build -o "$WORK/partnerdir" ./cmd/partnerdir
"$WORK/partnerdir" migrate up >/dev/null
"$WORK/partnerdir" seed demo >/dev/null

# elapsed OUT CMD…: runs CMD with its output in OUT and prints its seconds.
elapsed() {
	local out=$1 s
	shift
	s=$(date +%s.%N)
	"$@" >"$out" 2>&1 || true
	echo "$(date +%s.%N) - $s" | bc
}

cols=$(head -1 "$FILE")
psql "$DATABASE_URL" -qc "CREATE TABLE scratch_import ($(echo "$cols" | sed 's/,/ text, /g') text)" >/dev/null
t_copy=$(elapsed "$WORK/copy.out" psql "$DATABASE_URL" -qc "\\copy scratch_import FROM '$FILE' WITH (FORMAT csv, HEADER true)")
t_dry=$(elapsed "$WORK/dry.out" "$WORK/partnerdir" import csv --dry-run "$FILE")
t_import=$(elapsed "$WORK/import.out" "$WORK/partnerdir" import csv "$FILE")
t_again=$(elapsed "$WORK/again.out" "$WORK/partnerdir" import csv "$FILE")
grep -h "^import" "$WORK/dry.out" "$WORK/import.out" "$WORK/again.out"
jobs=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM river_job WHERE kind = 'index_document' AND args->>'index' = 'organisations'")
echo "index jobs enqueued for organisations: $jobs"

printf '| step | seconds | rows/s | × COPY |\n| --- | ---: | ---: | ---: |\n'
for step in "COPY (baseline):$t_copy" "import csv --dry-run:$t_dry" "import csv:$t_import" "import csv again (all unchanged):$t_again"; do
	name=${step%%:*}; t=${step##*:}
	printf '| %s | %.1f | %.0f | %.0f |\n' "$name" "$t" "$(echo "$ROWS / $t" | bc -l)" "$(echo "$t / $t_copy" | bc -l)"
done
