# Shared by scripts/dev and scripts/test: find or start PostgreSQL and Redis, install missing tools.
# Order for each server: the URL from the environment; else the server on its default local port;
# else a throwaway one started from the installed binaries under .whoosh/ (git-ignored); else (as
# root with apt) install the binaries; else stop and say what to install.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="$ROOT/.whoosh"
mkdir -p "$STATE_DIR"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing $* with apt-get"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >&2
  else
    return 1
  fi
}

pg_bin() {
  # The first directory holding initdb: PATH, then Debian's versioned directories.
  if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Sets WHOOSH_PG_URL to a server URL without a database path (postgres://user@host:port).
ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    WHOOSH_PG_URL="$DATABASE_URL"; return
  fi
  if port_open 127.0.0.1 5432; then
    WHOOSH_PG_URL="postgres://postgres@127.0.0.1:5432"; return
  fi
  local port=54329 data="$STATE_DIR/pg/data" bin
  if port_open 127.0.0.1 "$port"; then
    WHOOSH_PG_URL="postgres://postgres@127.0.0.1:$port"; return
  fi
  bin="$(pg_bin)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    apt_install postgresql || die "PostgreSQL is not reachable on 127.0.0.1:5432 and not installed: install it (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql@16) or set DATABASE_URL"
    bin="$(pg_bin)"
  fi
  local as=()
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root: run the throwaway server as the postgres (or nobody) user.
    local user=postgres; id "$user" >/dev/null 2>&1 || user=nobody
    mkdir -p "$STATE_DIR/pg"; chown -R "$user" "$STATE_DIR/pg"
    as=(runuser -u "$user" --)
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating a throwaway PostgreSQL cluster in $data"
    "${as[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  fi
  say "starting PostgreSQL on 127.0.0.1:$port"
  "${as[@]}" "$bin/pg_ctl" -D "$data" -l "$STATE_DIR/pg/server.log" -w \
    -o "-p $port -k $STATE_DIR/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
    || die "PostgreSQL did not start; see $STATE_DIR/pg/server.log"
  WHOOSH_PG_URL="postgres://postgres@127.0.0.1:$port"
}

# Sets WHOOSH_REDIS_URL.
ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then
    WHOOSH_REDIS_URL="$REDIS_URL"; return
  fi
  if port_open 127.0.0.1 6379; then
    WHOOSH_REDIS_URL="redis://127.0.0.1:6379"; return
  fi
  local port=63799
  if ! port_open 127.0.0.1 "$port"; then
    command -v redis-server >/dev/null || apt_install redis-server \
      || die "Redis is not reachable on 127.0.0.1:6379 and not installed: install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL"
    mkdir -p "$STATE_DIR/redis"
    say "starting Redis on 127.0.0.1:$port"
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
      --dir "$STATE_DIR/redis" --logfile "$STATE_DIR/redis/server.log"
    for _ in $(seq 50); do port_open 127.0.0.1 "$port" && break; sleep 0.1; done
  fi
  WHOOSH_REDIS_URL="redis://127.0.0.1:$port"
}

# The URL of database $2 on server URL $1 (replacing any database path already there).
db_url() {
  local server="$1" db="$2" base query=""
  base="${server%%\?*}"; [ "$base" != "$server" ] && query="?${server#*\?}"
  local rest="${base#*://}"
  case "$rest" in */*) base="${base%/*}" ;; esac
  printf '%s/%s%s' "$base" "$db" "$query"
}

ensure_cargo() {
  command -v cargo >/dev/null || die "Rust is not installed: see https://rustup.rs (stable toolchain)"
}

ensure_moto() {
  command -v moto_server >/dev/null && return
  say "installing moto (AWS API emulator for tests) with pip"
  python3 -m pip install --quiet 'moto[server,secretsmanager,elasticache]>=5' >&2 \
    || die "cannot install moto: python3 -m pip install 'moto[server]'"
}

# The TypeScript client package's pinned tools (TypeScript, openapi-typescript, ws), installed from
# clients/typescript/package-lock.json when it changed.
ensure_sdk_tools() {
  local sdk="$ROOT/clients/typescript" lock_hash
  command -v node >/dev/null && command -v npm >/dev/null \
    || die "Node.js 20+ with npm is needed for the TypeScript client (clients/typescript)"
  lock_hash="$(sha256sum "$sdk/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$sdk/node_modules/.whoosh-lock" 2>/dev/null)" != "$lock_hash" ]; then
    say "clients/typescript: npm ci (TypeScript, openapi-typescript, ws from package-lock.json)"
    (cd "$sdk" && npm ci --no-audit --no-fund --loglevel=error)
    printf '%s' "$lock_hash" > "$sdk/node_modules/.whoosh-lock"
  fi
}
