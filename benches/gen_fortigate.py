"""A deterministic FortiGate (FortiOS 7.x) syslog file from a seed, for the fortigate bench.

Each line is ``<PRI>`` followed by the key=value body, as a FortiGate sends it: FortiOS 7 key
order (``date time devname devid eventtime tz logid type subtype ...``), strings quoted, numbers
and IPs bare, ``eventtime`` in nanoseconds, ``tz="+0200"``. A traffic-heavy mix: forward traffic
(close, timeout, accept, deny, client-rst, server-rst; TCP, UDP, ICMP, ~2% IPv6), local-in
denies, and UTM (webfilter, IPS, DNS, application control, antivirus) and event (system admin,
IPsec VPN, user authentication) lines, with the untyped keys real logs carry (uuids, MACs,
OS names, counters) that go to ``extra``. IPs are written in canonical form; no value is
empty, and no quoted value holds a quote or `` key=`` text, so the analysts' regexes in the
bench read the same values as veilleur.

    python benches/gen_fortigate.py --mb 200 --seed 7 -o /tmp/fortigate.log
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import gen_common
from gen_common import ip_pool, private_v4, public_v4, write_blocks

T0 = 1_714_946_400  # 2024-05-05T22:00:00Z = 2024-05-06 00:00:00 +0200

DEVICES = [("FGT-HQ-01", "FG100FTK19000001"), ("FGT-HQ-02", "FG100FTK19000002"), ("FGT-BRANCH", "FG60FTK21000077")]
POLICIES = [(1, "LAN-to-WAN"), (3, "DNS-out"), (7, "Servers-in"), (12, "Web-Proxy"), (22, "Guest-WiFi")]
SERVICES = [("HTTPS", 6, 443), ("HTTP", 6, 80), ("DNS", 17, 53), ("SSH", 6, 22), ("SMTP", 6, 25), ("NTP", 17, 123), ("RDP", 6, 3389), ("PING", 1, 0)]
APPS = [
    (41469, "Microsoft.Portal", "Collaboration", "elevated"),
    (16195, "DNS", "Network.Service", "elevated"),
    (40568, "HTTPS.BROWSER", "Web.Client", "medium"),
    (15832, "Firefox.Update", "Update", "elevated"),
    (17459, "Google.Services", "General.Interest", "low"),
]
HOSTS = ["www.example.com", "cdn.example.net", "login.example.org", "updates.example.com", "api.example.io", "files.example.net"]
PATHS = ["/", "/index.html", "/login?next=/home", "/static/app.js", "/download/setup.exe", "/api/v1/items?id=42&lang=fr"]
COUNTRIES = ["United States", "France", "Germany", "Netherlands", "Reserved", "Ireland"]
USERS = ["asmith", "jdoe", "bmartin", "cdupont", "admin", "svc-backup"]
OSES = ["Windows", "Linux", "macOS", "Android"]
ATTACKS = [(51006, "Apache.Log4j.Error.Log.Remote.Code.Execution"), (43795, "MS.Windows.SMB.Server.Remote.Code.Execution"), (15621, "Bash.Function.Definitions.Remote.Code.Execution")]


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _mac(rng: random.Random) -> str:
    return ":".join(f"{rng.randrange(256):02x}" for _ in range(6))


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        r = self.rng
        self.inside = ip_pool(r, 2000, lambda g: private_v4(g, 40), v6_every=50, v6_at=49)
        self.outside = ip_pool(r, 4000, public_v4, v6_every=50, v6_at=49)
        self.uuids = [_uuid(r) for _ in range(40)]
        self.macs = [_mac(r) for _ in range(500)]
        self.ns = T0 * 1_000_000_000
        self.session = 10_000_000

    def head(self, logid: str, typ: str, sub: str, level: str, extra: str = "") -> str:
        r = self.rng
        self.ns += r.randrange(0, 40_000_000)
        secs = self.ns // 1_000_000_000 + 7200
        day, s = divmod(secs, 86400)
        # days since the epoch → civil date (May 2024 only: the file covers a few days)
        d = day - 19849  # 2024-05-06 is day 19849
        date = f"2024-05-{6 + d:02d}"
        name, serial = DEVICES[0] if r.random() < 0.7 else r.choice(DEVICES)
        pri = {"notice": 189, "warning": 188, "information": 190, "alert": 185}[level]
        return (
            f'<{pri}>date={date} time={s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d} devname="{name}" devid="{serial}" '
            f'eventtime={self.ns} tz="+0200" logid="{logid}" type="{typ}" subtype="{sub}"{extra} level="{level}" vd="root"'
        )

    def utm_head(self, logid: str, sub: str, level: str, eventtype: str) -> str:
        return self.head(logid, "utm", sub, level, f' eventtype="{eventtype}"')

    def conn(self, v6: bool = False):
        r = self.rng
        self.session += 1
        src = r.choice(self.inside)
        dst = r.choice(self.outside)
        return src, r.randrange(1024, 65536), dst, self.session

    def traffic(self) -> str:
        r = self.rng
        src, sport, dst, sid = self.conn()
        svc, proto, dport = r.choice(SERVICES)
        if proto == 1:
            sport = dport = 0
        pid, pname = r.choice(POLICIES)
        x = r.random()
        action = "close" if x < 0.55 else "timeout" if x < 0.7 else "accept" if x < 0.8 else "deny" if x < 0.9 else "client-rst" if x < 0.95 else "server-rst"
        sent, rcvd = r.randrange(40, 200_000), r.randrange(0, 5_000_000)
        if action == "deny":
            sent = rcvd = 0
        app = r.choice(APPS)
        out = (
            self.head("0000000013", "traffic", "forward", "notice")
            + f' srcip={src} srcport={sport} srcintf="port{r.randrange(1, 9)}" srcintfrole="lan" dstip={dst} dstport={dport}'
            f' dstintf="wan1" dstintfrole="wan" srccountry="Reserved" dstcountry="{r.choice(COUNTRIES)}" sessionid={sid} proto={proto}'
            f' action="{action}" policyid={pid} policytype="policy" poluuid="{r.choice(self.uuids)}" policyname="{pname}"'
            f' service="{svc}"'
        )
        if action != "deny":
            out += f' trandisp="snat" transip=203.0.113.{r.randrange(1, 255)} transport={r.randrange(1024, 65536)}'
            out += f' appid={app[0]} app="{app[1]}" appcat="{app[2]}" apprisk="{app[3]}" applist="default"'
            out += f' duration={r.randrange(0, 3600)} sentbyte={sent} rcvdbyte={rcvd} sentpkt={sent // 800 + 1} rcvdpkt={rcvd // 1200 + 1}'
            if r.random() < 0.4:
                out += ' utmaction="allow" countweb=1'
        else:
            out += ' trandisp="noop" duration=0 sentbyte=0 rcvdbyte=0 sentpkt=0 appcat="unscanned" crscore=30 craction=131072 crlevel="high"'
        if r.random() < 0.15:
            out += f' user="{r.choice(USERS)}" group="staff" authserver="LDAP-CORP"'
        out += f' srcuuid="{r.choice(self.uuids)}" dstuuid="{r.choice(self.uuids)}" osname="{r.choice(OSES)}" srcmac="{r.choice(self.macs)}" mastersrcmac="{r.choice(self.macs)}" srcserver=0'
        return out

    def local_deny(self) -> str:
        r = self.rng
        src, sport, _, sid = self.conn()
        src = r.choice(self.outside)
        dport = r.choice([22, 23, 443, 8443, 161, 3389])
        return (
            self.head("0001000014", "traffic", "local", "notice")
            + f' srcip={src} srcport={sport} srcintf="wan1" srcintfrole="wan" dstip=203.0.113.1 dstport={dport} dstintf="root"'
            f' dstintfrole="undefined" srccountry="{r.choice(COUNTRIES)}" dstcountry="Reserved" sessionid={sid} proto=6 action="deny"'
            f' policyid=0 policytype="local-in-policy" service="tcp/{dport}" trandisp="noop" app="tcp/{dport}" duration=0'
            f' sentbyte=0 rcvdbyte=0 sentpkt=0 appcat="unscanned" crscore=5 craction=262144 crlevel="low"'
        )

    def utm(self) -> str:
        r = self.rng
        src, sport, dst, sid = self.conn()
        host, path = r.choice(HOSTS), r.choice(PATHS)
        x = r.random()
        if x < 0.35:
            blocked = r.random() < 0.3
            return (
                self.utm_head("0316013056" if blocked else "0317013312", "webfilter", "warning" if blocked else "notice", "ftgd_blk" if blocked else "ftgd_allow")
                + f' policyid=12 sessionid={sid} user="{r.choice(USERS)}" srcip={src} srcport={sport} srcintf="port1" srcintfrole="lan"'
                f' dstip={dst} dstport=443 dstintf="wan1" dstintfrole="wan" proto=6 service="HTTPS" hostname="{host}" profile="default"'
                f' action="{"blocked" if blocked else "passthrough"}" reqtype="direct" url="{path}" sentbyte={r.randrange(100, 3000)}'
                f' rcvdbyte={0 if blocked else r.randrange(100, 90000)} direction="outgoing" msg="URL belongs to {"a denied" if blocked else "an allowed"} category in policy"'
                f' method="domain" cat=52 catdesc="Information Technology" agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64)"'
            )
        if x < 0.5:
            aid, attack = r.choice(ATTACKS)
            return (
                self.utm_head("0419016384", "ips", "alert", "signature")
                + f' severity="critical" srcip={r.choice(self.outside)} srccountry="{r.choice(COUNTRIES)}" dstip={r.choice(self.inside)}'
                f' srcintf="wan1" dstintf="port3" sessionid={sid} action="dropped" proto=6 service="HTTP" policyid=7'
                f' attack="{attack}" srcport={sport} dstport=80 hostname="{host}" url="{path}" direction="outgoing" attackid={aid}'
                f' profile="default" ref="http://www.fortinet.com/ids/VID{aid}" incidentserialno={r.randrange(10**8, 10**9)}'
                f' msg="web_server: {attack}," crscore=50 craction=4096 crlevel="critical"'
            )
        if x < 0.75:
            q = r.choice(HOSTS)
            return (
                self.utm_head("1501054802", "dns", "notice", "dns-response")
                + f' srcip={src} srcport={sport} srcintf="port1" srcintfrole="lan" dstip=192.0.2.53 dstport=53 dstintf="wan1"'
                f' dstintfrole="wan" proto=17 policyid=3 sessionid={sid} profile="default" srcmac="{r.choice(self.macs)}"'
                f' xid={r.randrange(65536)} qname="{q}" qtype="A" qtypeval=1 qclass="IN" ipaddr="{r.choice(self.outside)}"'
                f' msg="Domain is monitored" action="pass" cat=52 catdesc="Information Technology"'
            )
        if x < 0.93:
            app = r.choice(APPS)
            return (
                self.utm_head("1059028704", "app-ctrl", "information", "signature")
                + f' appid={app[0]} srcip={src} dstip={dst} srcport={sport} dstport=443 srcintf="port1" srcintfrole="lan"'
                f' dstintf="wan1" dstintfrole="wan" proto=6 service="HTTPS" direction="outgoing" policyid=1 sessionid={sid}'
                f' applist="default" action="pass" appcat="{app[2]}" app="{app[1]}" hostname="{host}" incidentserialno={r.randrange(10**8, 10**9)}'
                f' url="{path}" msg="{app[2]}: {app[1]}," apprisk="{app[3]}"'
            )
        return (
            self.utm_head("0211008192", "virus", "warning", "infected")
            + f' msg="File is infected." action="blocked" service="HTTP" sessionid={sid} srcip={dst} dstip={src} srcport=80'
            f' dstport={sport} srcintf="wan1" dstintf="port1" policyid=1 proto=6 direction="incoming" filename="invoice.exe"'
            f' quarskip="File-was-not-quarantined" virus="W32/Agent.ABC!tr" dtype="Virus" ref="http://www.fortinet.com/ve?vn=W32%2FAgent"'
            f' virusid={r.randrange(10**6, 10**7)} url="http://{host}/invoice.exe" profile="default" agent="curl/8.5.0"'
            f' analyticscksum="{r.getrandbits(256):064x}" analyticssubmit="false" crscore=50 craction=2 crlevel="critical"'
        )

    def event(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.4:
            u = r.choice(USERS)
            ok = r.random() < 0.8
            return (
                self.head("0100032001" if ok else "0100032002", "event", "system", "information" if ok else "alert")
                + f' logdesc="Admin login {"successful" if ok else "failed"}" sn="{r.randrange(10**9, 2 * 10**9)}" user="{u}"'
                f' ui="https({r.choice(self.inside)})" method="https" srcip={r.choice(self.inside)} dstip=203.0.113.1'
                f' action="login" status="{"success" if ok else "failed"}" reason="{"none" if ok else "passwd_invalid"}"'
                f' profile="super_admin" msg="Administrator {u} {"logged in successfully" if ok else "login failed"} from https"'
            )
        if x < 0.75:
            return (
                self.head("0101037138", "event", "vpn", "notice")
                + f' logdesc="IPsec connection status changed" msg="IPsec connection status change" action="tunnel-up"'
                f' remip={r.choice(self.outside)} locip=203.0.113.1 remport=500 locport=500 outintf="wan1" cookies="{r.getrandbits(64):016x}/{r.getrandbits(64):016x}"'
                f' user="N/A" group="N/A" xauthuser="{r.choice(USERS)}" xauthgroup="vpn-users" assignip={r.choice(self.inside)}'
                f' vpntunnel="dialup-{r.randrange(10)}" tunnelip={r.choice(self.inside)} tunnelid={r.randrange(10**6)} tunneltype="ipsec" duration={r.randrange(3600)}'
                f' sentbyte={r.randrange(10**6)} rcvdbyte={r.randrange(10**7)} nextstat=600'
            )
        return (
            self.head("0102043039", "event", "user", "notice")
            + f' logdesc="Authentication logon" srcip={r.choice(self.inside)} user="{r.choice(USERS)}" authserver="LDAP-CORP"'
            f' action="auth-logon" status="logon" msg="User {r.choice(USERS)} added to auth logon"'
        )

    def line(self) -> str:
        x = self.rng.random()
        if x < 0.78:
            return self.traffic()
        if x < 0.84:
            return self.local_deny()
        if x < 0.95:
            return self.utm()
        return self.event()


def generate(path: str | os.PathLike, *, mb: float, seed: int = 7) -> int:
    """Write about `mb` decimal MB to `path`; returns the number of lines."""
    g = _Gen(seed)
    return write_blocks(path, mb, lambda: [g.line() for _ in range(1000)])


def cached(mb: float, seed: int = 7) -> Path:
    """The generated file for (seed, mb), generated once."""
    return gen_common.cached("fortigate", mb, seed, generate)


def main(argv=None) -> int:
    return gen_common.main(__doc__, generate, argv)


if __name__ == "__main__":
    raise SystemExit(main())
