# SPDX-License-Identifier: GPL-2.0-or-later
# Test PKI and a loopback nginx for the update suites and bench/update.sh.

# make_pki DIR: ca.pem/ca.key (the pinned CA), server.pem/key (127.0.0.1,
# localhost), other-ca.pem, other.pem/key (from the other CA),
# expired.pem/key (pinned CA, validity in 2020).
make_pki() {
	local d=$1
	mkdir -p "$d" && (
	cd "$d" || exit 1
	q() { "$@" >/dev/null 2>&1 || { echo "make_pki: $* failed" >&2; exit 1; }; }
	q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
		-days 30 -subj "/CN=Rempart test update CA"
	q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-ca.key \
		-out other-ca.pem -days 30 -subj "/CN=Some other CA"
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' > ext.cnf
	for n in server other expired; do
		q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key -out $n.csr \
			-subj "/CN=127.0.0.1"
	done
	q openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 30 -extfile ext.cnf
	q openssl x509 -req -in other.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial -out other.pem -days 30 \
		-extfile ext.cnf
	# An expired certificate from the pinned CA: `openssl ca` sets explicit dates.
	mkdir -p ca.db && : > ca.db/index.txt && echo 1000 > ca.db/serial
	cat > ca.cnf <<CNF
[ca]
default_ca = t
[t]
database = $PWD/ca.db/index.txt
serial = $PWD/ca.db/serial
new_certs_dir = $PWD/ca.db
default_md = sha256
policy = p
copy_extensions = none
x509_extensions = e
[p]
commonName = supplied
[e]
subjectAltName = IP:127.0.0.1,DNS:localhost
basicConstraints = CA:FALSE
CNF
	q openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
		-startdate 20200101000000Z -enddate 20200201000000Z -notext
	)
}

# free_port: a TCP port nothing listens on (loopback).
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; return 0; fi
	done
	return 1
}

# wait_port PORT: until something listens (bounded, 10 s).
wait_port() {
	for _ in $(seq 1 100); do
		(exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start_nginx DIR CONF_BODY: runs nginx in the foreground (background job)
# with its prefix in DIR; sets NGINX_PID.
start_nginx() {
	local d=$1 body=$2
	mkdir -p "$d/logs" "$d/tmp"
	cat > "$d/nginx.conf" <<CONF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 64; }
http {
	access_log $d/logs/access.log;
	client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
	uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
	default_type application/octet-stream;
	sendfile on;
	$body
}
CONF
	nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;' 2>"$d/logs/stderr" &
	NGINX_PID=$!
}
