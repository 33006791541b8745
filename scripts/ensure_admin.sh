#!/usr/bin/env bash
# Make sure an admin account exists for `make run`; print where its password is.
# The password comes from CONGVAN_ADMIN_PASSWORD or is generated once and kept in the data folder (mode 600).
set -euo pipefail
congvan=${1:-.venv/bin/congvan}
data=${CONGVAN_DATA:-var}
pwfile="$data/admin-password"
if [ ! -s "$pwfile" ]; then
  umask 077
  mkdir -p "$data"
  if [ -n "${CONGVAN_ADMIN_PASSWORD:-}" ]; then
    printf '%s\n' "$CONGVAN_ADMIN_PASSWORD" > "$pwfile"
  else
    python3 -c 'import secrets; print(secrets.token_urlsafe(12))' > "$pwfile"
  fi
  "$congvan" user add admin --role admin --password-stdin < "$pwfile"
fi
echo "Đăng nhập / sign in: admin — mật khẩu trong $pwfile: $(cat "$pwfile")"
