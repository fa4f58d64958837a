# SPDX-License-Identifier: GPL-2.0
#
# proxy_backend.py PORT DIR MODE [REPLY]: the TCP service behind ktix-proxy
# in the tests, on 127.0.0.1:PORT, one thread per connection.  Connection
# N's bytes land in DIR/N.in and one line in DIR/log says how it ended:
# "N eof BYTES" (the proxy's FIN), "N reset BYTES" (a reset).
#
#   collect  read to the end, then send the file REPLY and close (FIN);
#            when REPLY is a directory, its file named by what was read
#   reset    reset the connection at its first bytes
#
# Started, it prints "ready".
import os
import socket
import socketserver
import struct
import sys
import threading

port, out, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
reply = sys.argv[4] if len(sys.argv) > 4 else None
lock = threading.Lock()
count = [0]


def log(line):
    with lock:
        with open(os.path.join(out, "log"), "a") as f:
            f.write(line + "\n")


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        with lock:
            count[0] += 1
            n = count[0]
        s = self.request
        got = 0
        end = "eof"
        with open(os.path.join(out, "%d.in" % n), "wb") as f:
            while True:
                try:
                    b = s.recv(1 << 16)
                except ConnectionResetError:
                    end = "reset"
                    break
                if not b:
                    break
                f.write(b)
                got += len(b)
                if mode == "reset":
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
                    s.close()
                    log("%d sent-reset %d" % (n, got))
                    return
        log("%d %s %d" % (n, end, got))
        path = reply
        if end == "eof" and reply and os.path.isdir(reply):
            with open(os.path.join(out, "%d.in" % n), "rb") as f:
                name = os.path.basename(f.read().decode(errors="replace").strip())
            path = os.path.join(reply, name) if name else None
        if end == "eof" and path and os.path.isfile(path):
            with open(path, "rb") as f:
                s.sendall(f.read())
        s.close()


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


srv = Server(("127.0.0.1", port), Handler)
print("ready", flush=True)
srv.serve_forever()
