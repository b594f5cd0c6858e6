# SPDX-License-Identifier: MIT
# espfleet serve stays available to devices when a client misbehaves, with
# its default limits (espfleet-serve(1) LIMITS):
# - 1100 idle connections from one address (more than libmicrohttpd's 1020)
#   do not delay a device's pull from another address: all but 32 of them
#   are closed at once;
# - a slowloris sending its headers a byte every 2 s is dropped after the
#   10 s header deadline (each byte used to restart the idle timeout);
# - wrong passwords are throttled per address: after 5, each further one
#   locks the address out (429 with Retry-After, the password not even
#   looked at; a "throttled" event), 1 s then doubling; other addresses go
#   on; the right password afterwards clears the count;
# - a request with an update client's User-Agent but no STA-MAC gets 403.
. "$(dirname "$0")/lib.sh"

mkimage "$T/app.bin" 100000 -s 76
MD5=$(md5sum <"$T/app.bin" | cut -d' ' -f1)
printf 'Gate-Keeper-61\n' >"$T/pw"
CLIENTS="$EFL_TESTS/tools/slow-clients.py"

# pull FROM URL [curl options]: a device's pull from address FROM, within
# 5 s; prints the HTTP status
pull() {
	local from=$1 url=$2
	shift 2
	curl -s -o /dev/null -w '%{http_code}' --interface "$from" \
	    --max-time 5 "$@" -H 'User-Agent: ESP8266-http-Update' \
	    -H 'x-ESP8266-STA-MAC: 02:00:00:00:76:01' \
	    -H 'x-ESP8266-sketch-md5: 00000000000000000000000000000000' \
	    "$url" || true
}

start_serve open -l 127.76.0.1:0 "$T/app.bin"
PORT=$SERVE_PORT
OPEN=http://127.76.0.1:$PORT/fw.bin
# a slowloris from one address, in the background for its ~10 s
python3 "$CLIENTS" slowloris 127.76.1.3 127.76.0.1 "$PORT" 2 25 \
    >"$T/loris.out" 2>"$T/loris.err" &
LORIS=$!
PIDS+=("$LORIS")
# 1100 idle connections from another
python3 "$CLIENTS" idle 127.76.1.2 127.76.0.1 "$PORT" 1100 8 \
    >"$T/idle.out" 2>"$T/idle.err" &
IDLE=$!
PIDS+=("$IDLE")
for _ in $(seq 100); do
	grep -q '^open' "$T/idle.out" 2>/dev/null && break
	kill -0 "$IDLE" 2>/dev/null || fail "idle clients: $(cat "$T/idle.err")"
	sleep 0.1
done
grep -q '^open 1100' "$T/idle.out" || fail "idle clients did not connect"
# a device from another address is answered at once
code=$(pull 127.76.2.1 "$OPEN")
[ "$code" = 200 ] || fail "a device's pull behind 1100 idle connections: $code"
jq -se --arg m "$MD5" '[.[] | select(.event == "request" and
    .addr == "127.76.2.1" and .status == 200 and .completed)] | length == 1' \
    "$T/open.json" >/dev/null || fail "no completed request event"
wait "$IDLE" || fail "idle clients: $(cat "$T/idle.err")"
closed=$(sed -n 's/^closed \([0-9]*\) of 1100/\1/p' "$T/idle.out")
[ "${closed:-0}" -ge 1068 ] ||
	fail "only ${closed:-0} of 1100 idle connections were closed"
# the slowloris is dropped at its header deadline
rc=0
wait "$LORIS" || rc=$?
[ "$rc" = 0 ] || fail "slowloris: $(cat "$T/loris.out" "$T/loris.err")"
secs=$(sed -n 's/^closed after \([0-9]*\).*/\1/p' "$T/loris.out")
[ "${secs:-99}" -le 15 ] || fail "slowloris dropped only after $secs s"
# an update client's User-Agent without its STA-MAC: 403
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    -H 'User-Agent: ESP8266-http-Update' "$OPEN")
[ "$code" = 403 ] || fail "User-Agent without STA-MAC answered $code"

# wrong passwords
start_serve auth -l 127.76.0.2:0 --password-file "$T/pw" "$T/app.bin"
AUTH=http://127.76.0.2:$SERVE_PORT/fw.bin
for i in 1 2 3 4 5; do
	code=$(pull 127.76.3.1 "$AUTH" -u "x:wrong-$i")
	[ "$code" = 401 ] || fail "wrong password $i answered $code"
done
jq -se '[.[] | select(.event == "throttled")] | length == 1 and
    (.[0] | .addr == "127.76.3.1" and .failures == 5 and .seconds == 1)' \
    "$T/auth.json" >/dev/null || fail "no throttled event after 5"
# locked out: 429 with Retry-After, even for the right password
curl -s -D "$T/429.hdr" -o /dev/null --interface 127.76.3.1 --max-time 5 \
    -u "x:wrong-6" "$AUTH" || true
grep -q '^HTTP/1.1 429' "$T/429.hdr" || fail "not 429: $(head -1 "$T/429.hdr")"
grep -qi '^Retry-After: 1' "$T/429.hdr" || fail "no Retry-After: 1"
code=$(pull 127.76.3.1 "$AUTH" -u "x:Gate-Keeper-61")
[ "$code" = 429 ] || fail "the right password while locked out: $code"
# another address is not concerned
code=$(pull 127.76.3.2 "$AUTH" -u "x:Gate-Keeper-61")
[ "$code" = 200 ] || fail "another address answered $code"
# a burst of 40 wrong passwords: nearly all refused unseen
sleep 1.1
n401=0
n429=0
for i in $(seq 40); do
	case $(pull 127.76.3.1 "$AUTH" -u "x:burst-$i") in
	401) n401=$((n401 + 1)) ;;
	429) n429=$((n429 + 1)) ;;
	*) fail "burst: an answer neither 401 nor 429" ;;
	esac
done
# (the first one starts a 2 s lockout; a slow machine may see it end)
[ "$n401" -le 3 ] && [ "$n429" -ge 37 ] ||
	fail "burst of 40 wrong passwords: $n401 x 401, $n429 x 429"
jq -se '[.[] | select(.event == "throttled" and .addr == "127.76.3.1")] |
    length >= 2 and .[1].seconds == 2' "$T/auth.json" >/dev/null ||
	fail "the second lockout is not 2 s: $(grep throttled "$T/auth.json")"
# after the lockout the right password works and clears the count
for _ in $(seq 10); do
	code=$(pull 127.76.3.1 "$AUTH" -u "x:Gate-Keeper-61")
	[ "$code" = 429 ] || break
	sleep 1
done
[ "$code" = 200 ] || fail "the right password after the lockout: $code"
code=$(pull 127.76.3.1 "$AUTH" -u "x:wrong-again")
[ "$code" = 401 ] || fail "the count was not cleared: $code"
jq -se '[.[] | select(.event == "request" and .status == 429)] |
    length >= 40' "$T/auth.json" >/dev/null || fail "429 requests not reported"
echo "serve-limits: ok"
