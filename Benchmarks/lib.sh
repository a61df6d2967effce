# Shared by the benchmark scripts in this directory; source it, do not run it.

# new_admin KES_BIN: a fresh API key from `kes identity new`, in $api_key and its identity in
# $admin_identity. Fails when the output cannot be read.
new_admin() {
    local output
    output=$("$1" identity new)
    api_key=$(echo "$output" | grep -o 'kes:v1:[A-Za-z0-9+/=]*' | head -n 1)
    admin_identity=$(echo "$output" | sed -n 's/^Identity: *//p')
    if [ -z "$api_key" ] || [ -z "$admin_identity" ]; then
        echo "could not parse 'kes identity new'" >&2
        return 1
    fi
}

# server_certificate DIR: a self-signed P-256 certificate for 127.0.0.1 and localhost, valid two
# days, as DIR/server.crt and DIR/server.key (mode 600).
server_certificate() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$1/server.key" -out "$1/server.crt" 2>/dev/null
    chmod 600 "$1/server.key"
}
