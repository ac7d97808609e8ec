# SPDX-License-Identifier: GPL-2.0-or-later
# The IKEv2 gateway side shared by tests/host/net-ipsec.sh and
# tests/vm/ipsec.sh: a throwaway ECDSA P-384 PKI and the gateway's swanctl
# configuration (responder on 192.0.2.1, the workstation 192.0.2.2 behind
# it, the service network 10.99.0.0/24, CLIP-like proposals) and the
# strongswan.conf of a test charon.
# Both take the directory $D of the calling suite.

# ipsec_pki: $D/ca.{pem,key}, $D/gw.{pem,key} (gw.rempart.test) and
# $D/ws.{pem,key} (ws.rempart.test).
ipsec_pki() {
	_ipsec_cert() { # NAME DNSNAME
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$D/$1.key" -out "$D/$1.csr" \
			-subj "/CN=$2" 2>/dev/null &&
		printf 'subjectAltName=DNS:%s\n' "$2" > "$D/$1.ext" &&
		openssl x509 -req -in "$D/$1.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" -CAcreateserial -out "$D/$1.pem" \
			-days 1 -extfile "$D/$1.ext" 2>/dev/null
	}
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$D/ca.key" -out "$D/ca.pem" \
		-days 1 -subj "/CN=rempart-test-ipsec-ca" 2>/dev/null &&
		_ipsec_cert gw gw.rempart.test && _ipsec_cert ws ws.rempart.test
}

# ipsec_gw_swanctl [POOL]: the gateway's swanctl directory $GWS=$D/gw-swanctl
# with its key and swanctl.conf; with POOL (a CIDR) the workstation gets a
# virtual IP from that pool instead of being its own traffic selector.
ipsec_gw_swanctl() {
	local pool=${1:-} remote_ts=192.0.2.2/32 pools_line=
	GWS=$D/gw-swanctl
	for d in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$GWS/$d"
	done
	cp "$D/gw.key" "$GWS/private/gw.pem"
	if [ -n "$pool" ]; then
		remote_ts=dynamic
		pools_line="pools = vip"
	fi
	cat > "$GWS/swanctl.conf" <<CONF
connections {
	gw {
		version = 2
		local_addrs = 192.0.2.1
		proposals = aes256gcm16-prfsha384-ecp384
		$pools_line
		local { auth = pubkey
			certs = $D/gw.pem
			id = gw.rempart.test }
		remote { auth = pubkey
			id = ws.rempart.test
			cacerts = $D/ca.pem }
		children { gw { local_ts = 10.99.0.0/24
			remote_ts = $remote_ts
			esp_proposals = aes256gcm16-ecp384 } }
	}
}
CONF
	if [ -n "$pool" ]; then
		printf 'pools { vip { addrs = %s } }\n' "$pool" >> "$GWS/swanctl.conf"
	fi
}

# ipsec_charon_conf NAME INSTALL_ROUTES [OPTION_LINES]: $D/NAME-strongswan.conf
# for a test charon (STRONGSWAN_CONF): vici socket $D/NAME.vici, log
# $D/charon-NAME.log, userspace ESP (kernel-libipsec); OPTION_LINES go into
# the charon section.
ipsec_charon_conf() {
	cat > "$D/$1-strongswan.conf" <<CONF
charon {
	install_routes = $2
	${3:-}
	load = random nonce openssl kdf pem pkcs1 pkcs8 x509 revocation constraints pubkey kernel-libipsec kernel-netlink socket-default vici attr updown
	plugins {
		vici { socket = unix://$D/$1.vici }
		# The peer (192.0.2.2 for the gateway) is also the remote traffic
		# selector: its route through the TUN device must not catch the
		# IKE packets, which carry a firewall mark.
		kernel-libipsec { allow_peer_ts = yes }
		kernel-netlink { fwmark = !0x42 }
		socket-default { fwmark = 0x42 }
		revocation { enable_crl = no
			enable_ocsp = no }
	}
	filelog {
		$1 { path = $D/charon-$1.log
			default = 1
			flush_line = yes
			time_format = %T }
	}
	syslog { daemon { default = -1 } }
}
CONF
}
