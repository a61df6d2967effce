#!/usr/bin/env bash
# Starts nginx as a TLS-terminating proxy in front of swift-kes, the setup KES's `tls.proxy`
# config describes: nginx checks the clients' certificates, connects to swift-kes with its own
# client certificate and forwards each client's certificate in a header.
#
#   backends/nginx-tls-proxy.sh PORT UPSTREAM DIR
#
# PORT is where nginx listens (HTTPS, on 127.0.0.1 or BACKEND_HOST); 0 lets the kernel pick a
# free port (needs python3). UPSTREAM is swift-kes's HOST:PORT; it need not run yet (nginx
# answers 502 until it does). DIR holds nginx.conf, nginx.pid, nginx.log (nginx's output),
# error.log, access.log, temp directories, and the TLS files, which are generated with openssl
# when missing:
#   server.crt, server.key  what nginx presents to clients (self-signed, localhost/127.0.0.1)
#   proxy.crt, proxy.key    nginx's own client certificate towards swift-kes: its identity is
#                           the one to list in swift-kes's tls.proxy.identities
# Waits until nginx answers, then prints
#   PROXY_ADDR=https://127.0.0.1:PORT
#   PROXY_CERT_HEADER=X-Tls-Client-Cert
#   PROXY_IDENTITY=<identity of proxy.crt>   (when openssl is installed)
# Stop it with backends/stop.sh DIR/nginx.pid.
#
# Settings (environment):
#   NGINX_CLIENT_CA=FILE      clients must present a certificate from this CA (ssl_verify_client
#                             on); without it a certificate is asked for but optional and not
#                             verified (optional_no_ca), and swift-kes judges it by identity
#   NGINX_UPSTREAM_CA=FILE    verify swift-kes's certificate against FILE (by UPSTREAM's host)
#   NGINX_UPSTREAM_BIND=ADDR  connect to swift-kes from ADDR (e.g. 127.0.0.2), so that it sees
#                             the proxy at another address than the clients
#   NGINX_CERT_HEADER=NAME    the header that carries the client certificate
#   NGINX_BIN=PATH            the nginx binary (default: nginx on the PATH, or /usr/sbin/nginx)
#   BACKEND_HOST=ADDR         listen on ADDR instead of 127.0.0.1
#   BACKEND_OWNER_PID=PID     a detached backends/watchdog.sh stops nginx once PID is gone
#
# It runs as any user: every path is under DIR. As root, nginx's workers run as nobody, as
# nginx does by default; they need nothing from DIR but its temp directories.
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

if [ "$#" -ne 3 ]; then
    echo "usage: $0 PORT UPSTREAM DIR" >&2
    exit 2
fi
port="$1"
upstream="$2"
dir="$3"
host="${BACKEND_HOST:-127.0.0.1}"
header="${NGINX_CERT_HEADER:-X-Tls-Client-Cert}"

nginx="${NGINX_BIN:-}"
if [ -z "$nginx" ]; then
    # Debian installs nginx in /usr/sbin, which a non-root PATH often lacks.
    nginx=$(PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v nginx || true)
fi
if [ -z "$nginx" ] || [ ! -x "$nginx" ]; then
    echo "nginx-tls-proxy.sh: nginx not found; install it with: apt-get install nginx" >&2
    exit 127
fi
if ! command -v curl >/dev/null 2>&1; then
    echo "nginx-tls-proxy.sh: 'curl' not found in PATH" >&2
    exit 1
fi
if [ "$port" = "0" ] && ! command -v python3 >/dev/null 2>&1; then
    echo "nginx-tls-proxy.sh: PORT 0 needs python3 (to bind the port for nginx); pass a port instead" >&2
    exit 1
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pidfile="$dir/nginx.pid"
if [ -f "$pidfile" ] && process_alive "$(tr -dc '0-9' <"$pidfile")"; then
    echo "nginx-tls-proxy.sh: nginx already running with PID $(cat "$pidfile") (from $pidfile)" >&2
    exit 1
fi
mkdir -p "$dir/tmp"

# new_certificate NAME CN [openssl -addext value]: a self-signed P-256 certificate and key.
new_certificate() {
    if ! command -v openssl >/dev/null 2>&1; then
        echo "nginx-tls-proxy.sh: $dir/$1.crt is missing and openssl is not installed to make one" >&2
        exit 1
    fi
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=$2" \
        -addext "$3" -keyout "$dir/$1.key" -out "$dir/$1.crt" >/dev/null 2>&1
    chmod 600 "$dir/$1.key"
}
san="DNS:localhost,IP:127.0.0.1"
[ "$host" != "127.0.0.1" ] && san="$san,IP:$host"
if [ ! -f "$dir/server.crt" ] || [ ! -f "$dir/server.key" ]; then
    new_certificate server localhost "subjectAltName=$san"
fi
if [ ! -f "$dir/proxy.crt" ] || [ ! -f "$dir/proxy.key" ]; then
    new_certificate proxy nginx-tls-proxy "extendedKeyUsage=clientAuth"
fi

if [ -n "${NGINX_CLIENT_CA:-}" ]; then
    client_verification="ssl_verify_client on;
        ssl_client_certificate $NGINX_CLIENT_CA;
        ssl_verify_depth 4;"
else
    # The client's certificate is asked for, not required and not verified: swift-kes judges it
    # by identity, as it judges direct clients. Without one the header is left out, and
    # swift-kes answers 400 "no client certificate is present".
    client_verification="ssl_verify_client optional_no_ca;"
fi
upstream_verification="proxy_ssl_verify off;"
if [ -n "${NGINX_UPSTREAM_CA:-}" ]; then
    upstream_verification="proxy_ssl_verify on;
            proxy_ssl_trusted_certificate $NGINX_UPSTREAM_CA;
            proxy_ssl_name ${upstream%:*};"
fi
upstream_bind=""
[ -n "${NGINX_UPSTREAM_BIND:-}" ] && upstream_bind="proxy_bind $NGINX_UPSTREAM_BIND;"
case "$host" in *:*) listen_host="[$host]" ;; *) listen_host="$host" ;; esac

# @PORT@ is filled in once the port is known (below).
cat >"$dir/nginx.conf.in" <<CONF
# Written by backends/nginx-tls-proxy.sh on every start.
daemon off;
master_process on;
worker_processes 1;
pid $pidfile;
lock_file $dir/nginx.lock;
error_log $dir/error.log notice;
events {
    worker_connections 512;
}
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;

    upstream swift-kes {
        server $upstream;
        # Connections to swift-kes are kept and reused across clients' requests; each request
        # carries its own client's certificate, so nothing about a client sticks to one.
        keepalive 16;
    }

    server {
        listen $listen_host:@PORT@ ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate $dir/server.crt;
        ssl_certificate_key $dir/server.key;
        $client_verification
        # swift-kes answers bodies over its own limit (1 MiB) itself.
        client_max_body_size 2m;

        location / {
            proxy_pass https://swift-kes;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # Set, never appended: whatever a client sends under these names is replaced, and an
            # empty value (no client certificate) removes the header.
            proxy_set_header $header \$ssl_client_escaped_cert;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_ssl_certificate $dir/proxy.crt;
            proxy_ssl_certificate_key $dir/proxy.key;
            proxy_ssl_protocols TLSv1.2 TLSv1.3;
            proxy_ssl_session_reuse on;
            $upstream_verification
            $upstream_bind
            # Log streams (/v1/log/audit, /v1/log/error) deliver each event as it happens and
            # may stay quiet for long.
            proxy_buffering off;
            proxy_read_timeout 1h;
        }
    }
}
CONF
rm -f "$dir/nginx.conf"

if [ "$port" = "0" ]; then
    # nginx cannot listen on port 0. This shim binds the port first (no other process can take
    # it between choosing and binding), writes the config with it and execs nginx, handing the
    # socket over the way nginx's binary upgrade does (NGINX="fd;"). It also clears the blocked
    # signal mask and closes inherited descriptors (see moto.sh), so the recorded PID is nginx's
    # master and SIGTERM reaches it.
    shim='
import os, signal, socket, sys
template, conf, host, nginx, prefix, errors = sys.argv[1:]
signal.pthread_sigmask(signal.SIG_SETMASK, [])
listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((host, 0))
listener.listen(511)
port = listener.getsockname()[1]
with open(template) as source:
    text = source.read().replace("@PORT@", str(port))
with open(conf + ".part", "w") as target:
    target.write(text)
os.rename(conf + ".part", conf)
fd = listener.fileno()
os.closerange(3, fd)
os.closerange(fd + 1, 65536)
os.set_inheritable(fd, True)
os.execve(nginx, [nginx, "-p", prefix, "-c", conf, "-e", errors], dict(os.environ, NGINX="%d;" % fd))
'
    nohup python3 -c "$shim" "$dir/nginx.conf.in" "$dir/nginx.conf" "$host" "$nginx" "$dir/" "$dir/error.log" \
        </dev/null >"$dir/nginx.log" 2>&1 &
else
    sed "s/@PORT@/$port/" "$dir/nginx.conf.in" >"$dir/nginx.conf"
    (close_inherited_fds; exec env -u NGINX "$nginx" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log") \
        </dev/null >"$dir/nginx.log" 2>&1 &
fi
pid=$!
echo "$pid" >"$pidfile"

if [ -n "${BACKEND_OWNER_PID:-}" ]; then
    setsid bash "$here/watchdog.sh" "$BACKEND_OWNER_PID" "$pid" </dev/null >/dev/null 2>&1 &
fi

for _ in $(seq 1 150); do
    if ! process_alive "$pid"; then
        echo "nginx-tls-proxy.sh: nginx exited during startup; see $dir/error.log:" >&2
        tail -n 20 "$dir/error.log" "$dir/nginx.log" >&2 2>/dev/null || true
        rm -f "$pidfile"
        exit 1
    fi
    if [ "$port" = "0" ]; then
        if [ ! -f "$dir/nginx.conf" ]; then
            sleep 0.1
            continue
        fi
        port=$(sed -n 's/^ *listen .*:\([0-9][0-9]*\) ssl;$/\1/p' "$dir/nginx.conf")
    fi
    # Any HTTP status means nginx is serving (502 while swift-kes is not up yet).
    code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 1 "https://$listen_host:$port/version" || true)
    if [ -n "$code" ] && [ "$code" != "000" ]; then
        echo "PROXY_ADDR=https://$listen_host:$port"
        echo "PROXY_CERT_HEADER=$header"
        if command -v openssl >/dev/null 2>&1; then
            identity=$(openssl x509 -in "$dir/proxy.crt" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum)
            echo "PROXY_IDENTITY=${identity%% *}"
        fi
        exit 0
    fi
    sleep 0.1
done

echo "nginx-tls-proxy.sh: nginx did not answer on $listen_host:$port within 15 s; see $dir/error.log" >&2
kill "$pid" 2>/dev/null || true
rm -f "$pidfile"
exit 1
