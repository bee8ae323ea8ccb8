#!/usr/bin/python3
"""Small authoritative servers written in Python, for the behaviours no real
server has: one that never answers, one that tries to poison a resolver's
cache, and one that counts the queries it gets.

They run as threads of the harness (inside its network namespace), on UDP and
TCP port 53 of one loopback address each, so the harness reads their counters
directly.  They are not fast and need not be: a resolver sends them a few
queries per run.

  Blackhole(address)               reads every UDP query and drops it; accepts
                                   TCP connections and never writes to them.
  Authority(address, origin, text) answers from one zone (dnspython zone):
                                   answer, NODATA or NXDOMAIN with the SOA
                                   (TTL = min(SOA TTL, MINIMUM)), REFUSED outside
                                   the zone; counts every query by (name, type).
  EvilAuthority(...)               an Authority for evil.com that, for
                                   `www.evil.com A` over UDP, first sends a
                                   response with the wrong ID (and a wrong
                                   address), then the right answer carrying
                                   out-of-bailiwick records: `example.com NS
                                   ns.evil.com` in the authority section and
                                   addresses 127.6.6.6 for ns1.example.com,
                                   www.example.com and ns.example.net in the
                                   additional section.  Asked about a name under
                                   example.com or example.net (which it would be
                                   only if a resolver believed that NS), it
                                   answers 127.6.6.6 and counts the question.
"""

import collections
import select
import socket
import struct
import sys
import threading

sys.dont_write_bytecode = True

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

PORT = 53
# EDNS payload the Python servers advertise and fill at most.
OUR_PAYLOAD = 1232
_POLL = 0.2          # seconds between checks of the stop flag


class _Listener:
    """UDP and TCP sockets on ADDRESS:53 and the threads that serve them."""

    kind = "listener"

    def __init__(self, address, port=PORT):
        self.address = address
        self.port = port
        self._stop = threading.Event()
        self._threads = []
        self._tcp_connections = []
        self.lock = threading.Lock()
        self.received = 0                      # every query seen, UDP and TCP

    def start(self):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((self.address, self.port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((self.address, self.port))
        self.tcp.listen(16)
        for target in (self._udp_loop, self._tcp_loop):
            t = threading.Thread(target=target, daemon=True,
                                 name="%s-%s" % (self.kind, self.address))
            t.start()
            self._threads.append(t)
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        for s in [self.udp, self.tcp] + self._tcp_connections:
            try:
                s.close()
            except OSError:
                pass

    def describe(self):
        return "python %s on %s:%d" % (self.kind, self.address, self.port)

    # -- loops ------------------------------------------------------------
    def _udp_loop(self):
        while not self._stop.is_set():
            r, _, _ = select.select([self.udp], [], [], _POLL)
            if not r:
                continue
            try:
                data, peer = self.udp.recvfrom(65535)
            except OSError:
                continue
            with self.lock:
                self.received += 1
            try:
                self.on_udp(data, peer)
            except Exception as e:            # a bad packet must not stop the server
                print("%s: %s" % (self.describe(), e), file=sys.stderr)

    def _tcp_loop(self):
        while not self._stop.is_set():
            r, _, _ = select.select([self.tcp], [], [], _POLL)
            if not r:
                continue
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                continue
            self._tcp_connections.append(conn)
            t = threading.Thread(target=self._tcp_connection, args=(conn,), daemon=True)
            t.start()

    def _tcp_connection(self, conn):
        buf = b""
        conn.settimeout(_POLL)
        while not self._stop.is_set():
            try:
                chunk = conn.recv(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 2:
                n = struct.unpack("!H", buf[:2])[0]
                if len(buf) < 2 + n:
                    break
                data, buf = buf[2:2 + n], buf[2 + n:]
                with self.lock:
                    self.received += 1
                try:
                    out = self.on_tcp(data)
                except Exception as e:
                    print("%s: %s" % (self.describe(), e), file=sys.stderr)
                    out = None
                if out is not None:
                    try:
                        conn.sendall(struct.pack("!H", len(out)) + out)
                    except OSError:
                        return
        try:
            conn.close()
        except OSError:
            pass

    # -- behaviour --------------------------------------------------------
    def on_udp(self, data, peer):
        pass

    def on_tcp(self, data):
        return None


class Blackhole(_Listener):
    """Reads and drops every query (a server that never answers)."""

    kind = "blackhole"


class Authority(_Listener):
    """Answers from one zone and counts the queries, by (name, type)."""

    kind = "authority"

    def __init__(self, address, origin, text, port=PORT):
        super().__init__(address, port)
        self.origin = dns.name.from_text(origin)
        self.zone = dns.zone.from_text(text, origin=self.origin, relativize=False,
                                       check_origin=True)
        self.counts = collections.Counter()        # (name lower-case text, type text)

    # -- counters ---------------------------------------------------------
    def count(self, qname=None, qtype=None):
        """Queries received for QNAME (any case) and QTYPE (None: any)."""
        with self.lock:
            total = 0
            for (n, t), c in self.counts.items():
                if qname is not None and n != qname.lower():
                    continue
                if qtype is not None and t != qtype:
                    continue
                total += c
            return total

    def snapshot(self):
        with self.lock:
            return dict(self.counts)

    # -- answering --------------------------------------------------------
    def parse(self, data):
        q = dns.message.from_wire(data)
        if not q.question:
            raise dns.exception.FormError("no question")
        question = q.question[0]
        with self.lock:
            self.counts[(question.name.to_text().lower(),
                         dns.rdatatype.to_text(question.rdtype))] += 1
        return q

    def on_udp(self, data, peer):
        q = self.parse(data)
        r = self.answer(q)
        wire = r.to_wire(max_size=self._udp_limit(q))
        self.udp.sendto(wire, peer)

    def on_tcp(self, data):
        q = self.parse(data)
        return self.answer(q).to_wire(max_size=65535)

    @staticmethod
    def _udp_limit(q):
        return min(max(q.payload, 512), OUR_PAYLOAD) if q.edns >= 0 else 512

    def answer(self, q):
        """The authoritative response to Q from the zone."""
        r = dns.message.make_response(q, our_payload=OUR_PAYLOAD)
        r.flags |= dns.flags.AA
        question = q.question[0]
        qname, qtype = question.name, question.rdtype
        if question.rdclass != dns.rdataclass.IN or not qname.is_subdomain(self.origin):
            r.flags &= ~dns.flags.AA
            r.set_rcode(dns.rcode.REFUSED)
            return r
        node = self.zone.get_node(qname)
        if node is not None:
            rds = node.get_rdataset(dns.rdataclass.IN, qtype)
            if rds is not None:
                rrset = r.find_rrset(r.answer, qname, dns.rdataclass.IN, qtype, create=True)
                rrset.update(rds)
                if qtype == dns.rdatatype.NS:
                    self._add_addresses(r, [rd.target for rd in rds])
                return r
            self._add_soa(r)                                   # NODATA
            return r
        below = any(n.is_subdomain(qname) and n != qname for n in self.zone.nodes)
        if not below:
            r.set_rcode(dns.rcode.NXDOMAIN)
        self._add_soa(r)                                       # NXDOMAIN or ENT NODATA
        return r

    def _add_soa(self, r):
        soa = self.zone.get_rdataset(self.origin, dns.rdatatype.SOA)
        ttl = min(soa.ttl, soa[0].minimum)                     # RFC 2308 3
        rrset = dns.rrset.RRset(self.origin, dns.rdataclass.IN, dns.rdatatype.SOA)
        rrset.update(soa)
        rrset.ttl = ttl
        r.authority.append(rrset)

    def _add_addresses(self, r, names):
        for name in names:
            node = self.zone.get_node(name)
            if node is None:
                continue
            for t in (dns.rdatatype.A, dns.rdatatype.AAAA):
                rds = node.get_rdataset(dns.rdataclass.IN, t)
                if rds is not None:
                    rrset = r.find_rrset(r.additional, name, dns.rdataclass.IN, t, create=True)
                    rrset.update(rds)


class EvilAuthority(Authority):
    """evil.com's server, which tries to poison the resolver (see the module doc)."""

    kind = "evil"
    TARGET = dns.name.from_text("www.evil.com.")
    VICTIMS = (dns.name.from_text("example.com."), dns.name.from_text("example.net."))

    def __init__(self, address, origin, text, poison, wrong_id_address, port=PORT):
        super().__init__(address, origin, text, port)
        self.poison = poison
        self.wrong_id_address = wrong_id_address
        self.victim_questions = []               # questions about example.com/net it got
        self.wrong_id_sent = 0

    def _poisoned(self, q, wrong_id):
        r = self.answer(q)
        question = q.question[0]
        if wrong_id:
            r.id = (q.id + 1) & 0xFFFF
            r.answer = []
            r.answer.append(dns.rrset.from_text(question.name, 3000, "IN", "A",
                                                self.wrong_id_address))
        r.authority = [dns.rrset.from_text("example.com.", 3000, "IN", "NS", "ns.evil.com.")]
        for name in ("ns1.example.com.", "www.example.com.", "ns.example.net."):
            r.additional.append(dns.rrset.from_text(name, 3000, "IN", "A", self.poison))
        return r

    def _victim(self, q):
        question = q.question[0]
        return any(question.name.is_subdomain(v) for v in self.VICTIMS)

    def answer_victim(self, q):
        question = q.question[0]
        with self.lock:
            self.victim_questions.append("%s %s" % (question.name,
                                                    dns.rdatatype.to_text(question.rdtype)))
        r = dns.message.make_response(q, our_payload=OUR_PAYLOAD)
        r.flags |= dns.flags.AA
        if question.rdtype == dns.rdatatype.A:
            r.answer.append(dns.rrset.from_text(question.name, 3000, "IN", "A", self.poison))
        return r

    def on_udp(self, data, peer):
        q = self.parse(data)
        question = q.question[0]
        limit = self._udp_limit(q)
        if self._victim(q):
            self.udp.sendto(self.answer_victim(q).to_wire(max_size=limit), peer)
            return
        if question.name == self.TARGET and question.rdtype == dns.rdatatype.A:
            self.udp.sendto(self._poisoned(q, wrong_id=True).to_wire(max_size=limit), peer)
            with self.lock:
                self.wrong_id_sent += 1
            self.udp.sendto(self._poisoned(q, wrong_id=False).to_wire(max_size=limit), peer)
            return
        self.udp.sendto(self.answer(q).to_wire(max_size=limit), peer)

    def on_tcp(self, data):
        q = self.parse(data)
        question = q.question[0]
        if self._victim(q):
            return self.answer_victim(q).to_wire(max_size=65535)
        if question.name == self.TARGET and question.rdtype == dns.rdatatype.A:
            return self._poisoned(q, wrong_id=False).to_wire(max_size=65535)
        return self.answer(q).to_wire(max_size=65535)
