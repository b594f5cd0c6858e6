# SPDX-License-Identifier: MIT
# One length rule for passwords from every source: 256 bytes work (push
# with ESPFLEET_PASSWORD, espota -a), a longer one is a clear error before
# any device is contacted - never silently cut to 256 bytes (which a device
# then rejects): push and serve exit 3, the espota drop-in exits 1 (its
# "failure"), and the message names the source, never the password.
. "$(dirname "$0")/lib.sh"

PW256=$(printf 'p%.0s' $(seq 256))
PW300=$(printf 'q%.0s' $(seq 300))
printf '%s\n' "$PW256" >"$T/pw256"
printf '%s\n' "$PW300" >"$T/pw300"
start_sim max --devices 1 --addr-base 127.71.0.1 --password-file "$T/pw256"
start_sim long --devices 1 --addr-base 127.71.1.1 --password-file "$T/pw300"
mkimage "$T/app.bin" 40000 -s 71

# refused CMD-NAME RC MESSAGE [command...]: exits RC with MESSAGE on
# stderr, and no trace of the password in what it printed
refused() {
	local name=$1 want=$2 msg=$3 rc=0
	shift 3
	"$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
	[ "$rc" = "$want" ] ||
		fail "$name exited $rc, not $want: $(cat "$T/$name.err")"
	grep -qF -- "$msg" "$T/$name.err" ||
		fail "$name: no '$msg' in: $(cat "$T/$name.err")"
	if grep -qF qqqq "$T/$name.out" "$T/$name.err"; then
		fail "$name printed the password"
	fi
}

LONG_ENV='ESPFLEET_PASSWORD is longer than 256 bytes'
LONG_ARG='the password of -a/--auth is longer than 256 bytes'
refused push-env 3 "$LONG_ENV" env ESPFLEET_PASSWORD="$PW300" \
    "$ESPFLEET" push -t 3 -r 0 "$T/app.bin" 127.71.1.1
refused push-file 3 'is longer than 256 bytes' \
    "$ESPFLEET" push -t 3 -r 0 --password-file "$T/pw300" "$T/app.bin" \
    127.71.1.1
refused serve-env 3 "$LONG_ENV" env ESPFLEET_PASSWORD="$PW300" \
    "$ESPFLEET" serve -l 127.71.2.1:0 "$T/app.bin"
refused espota-a 1 "$LONG_ARG" "$ESPFLEET" espota -i 127.71.1.1 \
    -a "$PW300" -f "$T/app.bin" -t 3
refused espota-auth 1 "$LONG_ARG" "$ESPFLEET" espota -i 127.71.1.1 \
    "--auth=$PW300" -f "$T/app.bin" -t 3
refused espota-group 1 "$LONG_ARG" "$ESPFLEET" espota -i 127.71.1.1 \
    "-ra$PW300" -f "$T/app.bin" -t 3
refused espota-env 1 "$LONG_ENV" env ESPFLEET_PASSWORD="$PW300" \
    "$ESPFLEET" espota -i 127.71.1.1 -f "$T/app.bin" -t 3
# none of them reached the device
[ "$(device_field long sim-0001 last_error)" = null ] ||
	fail "a refused command reached the device: $(device_field long \
	    sim-0001 last_error)"

# 256 bytes: the longest password, taken whole
ESPFLEET_PASSWORD=$PW256 "$ESPFLEET" push -t 5 "$T/app.bin" 127.71.0.1 \
    >"$T/ok.out" 2>"$T/ok.err" || fail "push with 256 bytes: $(cat "$T/ok.err")"
wait_boot_count max sim-0001 2
"$ESPFLEET" espota -i 127.71.0.1 -a "$PW256" -f "$T/app.bin" -t 5 \
    >"$T/ok2.out" 2>"$T/ok2.err" ||
	fail "espota -a with 256 bytes: $(cat "$T/ok2.err")"
wait_boot_count max sim-0001 3
echo "password-length: ok"
