#!/usr/bin/env python3
"""Holds every packet of one NFQUEUE queue for a fixed time, then lets it through.

    nfqueue-delay.py QUEUE DELAY_MS READY_FILE

backends/netns-fault.sh runs this for its `delay` fault: the kernel has no sch_netem on
every machine the tests run on, but NFQUEUE (an iptables target that hands packets to a
user-space process for a verdict) is part of every netfilter build. The packets stay in the
kernel; only their IDs come here, so this adds latency without copying or altering data.

Speaks nfnetlink_queue directly (the standard library has no binding): binds QUEUE, writes
READY_FILE once the kernel has acknowledged the binding (so the caller can add the iptables
rule only then), and on SIGTERM or SIGINT accepts everything still held at once before
exiting, so healing does not drop packets in flight.
"""
import collections
import os
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQA_CFG_MASK = 4
NFQA_CFG_FLAGS = 5
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
# A full queue lets packets through instead of dropping them: this process adds latency, not loss.
NFQA_CFG_F_FAIL_OPEN = 1
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NF_ACCEPT = 1
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2


def attribute(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(msg_type, queue, attributes, flags=NLM_F_REQUEST, seq=0):
    # nfgenmsg: family, version, then the queue number in network order.
    body = struct.pack("=BB", socket.AF_UNSPEC, 0) + struct.pack("!H", queue) + b"".join(attributes)
    header = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, seq, 0)
    return header + body


def messages(data):
    """Yields (type, payload after the nfgenmsg header) for each netlink message in data."""
    offset = 0
    while offset + 16 <= len(data):
        length, msg_type, _, _, _ = struct.unpack_from("=IHHII", data, offset)
        if length < 16:
            return
        yield msg_type, data[offset + 16 : offset + length]
        offset += (length + 3) & ~3


def packet_id(payload):
    offset = 4  # nfgenmsg
    while offset + 4 <= len(payload):
        length, kind = struct.unpack_from("=HH", payload, offset)
        if length < 4:
            return None
        if kind & 0x7FFF == NFQA_PACKET_HDR:
            return struct.unpack_from("!I", payload, offset + 4)[0]
        offset += (length + 3) & ~3
    return None


def configure(sock, queue):
    commands = [
        [attribute(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, socket.AF_INET))],
        [attribute(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))],
        [attribute(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", 65536))],
        [
            attribute(NFQA_CFG_FLAGS, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN)),
            attribute(NFQA_CFG_MASK, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN)),
        ],
    ]
    for seq, attributes in enumerate(commands, start=1):
        sock.send(message(NFQNL_MSG_CONFIG, queue, attributes, NLM_F_REQUEST | NLM_F_ACK, seq))
        reply = sock.recv(65536)
        length, msg_type = struct.unpack_from("=IH", reply, 0)
        if msg_type == NLMSG_ERROR:
            error = struct.unpack_from("=i", reply, 16)[0]
            if error != 0:
                raise OSError(-error, "nfqueue config step %d: %s" % (seq, os.strerror(-error)))


def main():
    if len(sys.argv) != 4:
        print("usage: nfqueue-delay.py QUEUE DELAY_MS READY_FILE", file=sys.stderr)
        return 2
    queue, delay, ready = int(sys.argv[1]), int(sys.argv[2]) / 1000.0, sys.argv[3]

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))

    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((0, 0))
    configure(sock, queue)
    with open(ready, "w") as handle:
        handle.write(str(os.getpid()))

    def accept(packet):
        verdict = attribute(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet))
        sock.send(message(NFQNL_MSG_VERDICT, queue, [verdict]))

    # Every packet waits the same time, so releasing in arrival order keeps the stream's order.
    held = collections.deque()
    while not stopping:
        now = time.monotonic()
        while held and held[0][0] <= now:
            accept(held.popleft()[1])
        timeout = max(0.0, held[0][0] - now) if held else 1.0
        try:
            readable, _, _ = select.select([sock], [], [], timeout)
        except InterruptedError:
            continue
        if not readable:
            continue
        try:
            data = sock.recv(1 << 20)
        except InterruptedError:
            continue
        except OSError:
            # ENOBUFS: the kernel dropped notifications; the fail-open queue already let them pass.
            continue
        arrived = time.monotonic()
        for msg_type, payload in messages(data):
            if msg_type == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                packet = packet_id(payload)
                if packet is not None:
                    held.append((arrived + delay, packet))
    while held:
        accept(held.popleft()[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
