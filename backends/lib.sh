# Shared by the launchers in this directory; source it, do not run it.

# Descriptors inherited from the caller (its pipes, Foundation's child-exit socket) must not
# live on in a daemon: a caller waiting for EOF on a pipe would otherwise wait for the daemon's
# exit. Closes every descriptor above 2 of the current (sub)shell.
close_inherited_fds() {
    local fd
    [ -d "/proc/$BASHPID/fd" ] || return 0
    for fd in $(ls "/proc/$BASHPID/fd"); do
        if [ "$fd" -gt 2 ]; then
            { eval "exec $fd>&-"; } 2>/dev/null || true
        fi
    done
}
