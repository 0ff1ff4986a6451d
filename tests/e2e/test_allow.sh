#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_allow.sh - allow-listed scanners (--allow on the daemon, `allow add`
# live) are never counted or blocked, also inside a blocked IPv6 /64, while
# scanners not on the list still are; the host's own addresses are on the
# list automatically and cannot be removed.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL allow: lab setup"; exit 1; }
daemon_start --allow 198.18.0.3/32 --allow 2001:db8::4/128,198.18.0.8/30 ||
	{ echo "FAIL allow: daemon start"; exit 1; }

# answered XML: ports that answered (open + closed) in an nmap report.
answered() { local o c; read -r o c _ <<<"$(nmap_counts "$1")"; echo $((o + c)); }

al=$(ctl --json allow list)
check_eq "allow list: entries from --allow" \
	"$(jq -c '[.[] | select(.origin == "config") | .cidr] | sort' <<<"$al")" \
	'["198.18.0.3","198.18.0.8/30","2001:db8::4"]'
for a in 127.0.0.0/8 ::1 $HOST4 $HOST4B $HOST6 $HOST6B; do
	check "allow list: own address $a automatic" \
		jq -e --arg a "$a" 'any(.[]; .cidr == $a and .origin == "own-address")' <<<"$al"
done

nmap_from 198.18.0.3 "$LAB/a3.xml" -sS -p 1000-1039 $HOST4
check_eq "allowed address: all 40 ports answered" "$(answered "$LAB/a3.xml")" 40
nmap_from 198.18.0.9 "$LAB/a9.xml" -sS -p 1000-1039 $HOST4
check_eq "allowed range: all 40 ports answered" "$(answered "$LAB/a9.xml")" 40
nmap_from 2001:db8::4 "$LAB/a64.xml" -sS -p 1000-1039 $HOST6
check_eq "allowed ipv6 address: all 40 ports answered" "$(answered "$LAB/a64.xml")" 40
check_eq "allowed scanners: no event" "$(scan_events | wc -l)" 0
check "allowed scanners: probes counted as allowed" test "$(counter probes_allowed)" -ge 120

# Not on the list: blocked as usual.
nmap_from $SCAN4 "$LAB/s2.xml" -sS -p 1000-1039 $HOST4
check_eq "scanner not on the list: blocked at the 4th failure" "$(answered "$LAB/s2.xml")" 3
check "scanner not on the list: blocked" blocked $SCAN4
check "allowed address: still reaches the host" in_scan nc -z -w2 -s 198.18.0.3 $HOST4 80

# A neighbour in the allowed address's /64 gets the /64 blocked; the allowed
# address inside it stays allowed.
nmap_from 2001:db8::3 "$LAB/s63.xml" -sS -p 1000-1039 $HOST6
check_eq "ipv6 neighbour: blocked at the 4th failure" "$(answered "$LAB/s63.xml")" 3
check "ipv6 neighbour: the /64 is blocked" blocked "2001:db8::/64"
check "ipv6 neighbour: another address of the /64 dropped" \
	not in_scan ping -6 -c2 -W1 -I 2001:db8::5 $HOST6
check "allowed ipv6 address inside the blocked /64: still answered" \
	in_scan ping -6 -c1 -W2 -I 2001:db8::4 $HOST6
check "allowed ipv6 address inside the blocked /64: connects" \
	in_scan nc -6 -z -w2 -s 2001:db8::4 $HOST6 80

# Live: allow add, then allow del.
check "allow add: accepted" ctl allow add 198.18.0.5
check "allow add: listed as the operator's" \
	jq -e 'any(.[]; .cidr == "198.18.0.5" and .origin == "operator")' <<<"$(ctl --json allow list)"
nmap_from 198.18.0.5 "$LAB/a5.xml" -sS -p 1000-1039 $HOST4
check_eq "allow add: the new entry's scan is not blocked" "$(answered "$LAB/a5.xml")" 40
check "allow del: accepted" ctl allow del 198.18.0.5
check "allow del: gone from the list" \
	not jq -e 'any(.[]; .cidr == "198.18.0.5")' <<<"$(ctl --json allow list)"
nmap_from 198.18.0.5 "$LAB/s5.xml" -sS -p 2000-2039 $HOST4
check_eq "allow del: the next scan is blocked" "$(answered "$LAB/s5.xml")" 3
check "allow del: blocked" blocked 198.18.0.5

# The host's own addresses cannot be taken off the list.
ctl allow del $HOST4 >/dev/null 2>&1
check_eq "own address: allow del refused" "$?" 1
check "own address: still listed" \
	jq -e --arg a $HOST4 'any(.[]; .cidr == $a)' <<<"$(ctl --json allow list)"
lab_finish
