# SPDX-License-Identifier: MIT
# Few file descriptors (issue 11 item 8): under ulimit -n from 8 to 26,
# push to three devices (espota, then http) either stops with exit 3 and a
# clear message before any device is contacted, or fits its uploads into
# what is free (--jobs lowered) and updates all three. Never a spin (every
# run ends within 40 s), an abort (134), or every target failed for a
# setup problem (was: 10 and 12 free failed every target as
# transfer-failed, 14 hung).
. "$(dirname "$0")/lib.sh"

start_sim fleet --devices 3 --addr-base 127.184.0.1 --http-port 8080
mkimage "$T/app.bin" 100000 -s 184

boots() {
	local k
	for k in 1 2 3; do
		device_field fleet "sim-000$k" boot_count
	done | tr '\n' ' '
}

ok=0 refused=0
for via in espota http; do
	if [ "$via" = http ]; then
		targets="127.184.0.1:8080 127.184.0.2:8080 127.184.0.3:8080"
	else
		targets="127.184.0.1 127.184.0.2 127.184.0.3"
	fi
	for n in $(seq 8 2 26); do
		before=$(boots)
		set +e
		# shellcheck disable=SC2086 # the targets are words
		(ulimit -n "$n" && exec timeout 40 "$ESPFLEET" push --via "$via" \
		    --no-verify -t 3 -r 1 "$T/app.bin" $targets) \
		    >"$T/out" 2>"$T/err"
		rc=$?
		set -e
		what="$via, ulimit -n $n"
		case $rc in
		0)
			[ "$(grep -c ': ok' "$T/out")" = 3 ] ||
				fail "$what: exit 0 without 3 ok: $(cat "$T/out")"
			ok=$((ok + 1))
			for k in 1 2 3; do
				wait_boot_count fleet "sim-000$k" $((ok + 1))
			done
			;;
		3)
			grep -Eqi 'too few file descriptors|too many open files' \
			    "$T/err" || fail "$what: exit 3 with $(cat "$T/err")"
			[ "$(boots)" = "$before" ] ||
				fail "$what: exit 3 after a device was updated"
			grep -q 'invitation\|starting' "$T/out" &&
				fail "$what: exit 3 after a device was contacted"
			refused=$((refused + 1))
			;;
		*)
			fail "$what: exit $rc (124: still running after 40 s, \
134: abort): $(tail -n 3 "$T/err" "$T/out")"
			;;
		esac
	done
done
note "$ok runs updated every device, $refused stopped before any"
[ "$ok" -gt 0 ] && [ "$refused" -gt 0 ] ||
	fail "the range of limits does not cover both outcomes"
echo "fd-limits: ok"
