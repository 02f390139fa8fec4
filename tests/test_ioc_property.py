"""Differential tests: the Rust matcher against slow, obviously-correct Python references
(``ipaddress`` containment, label-suffix comparison) on random IPs, CIDRs and domains."""

from __future__ import annotations

import ipaddress

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

import veilleur as vl

# Addresses concentrate in a few regions so that networks and addresses often meet.
V4_BASES = [0x0A000000, 0xC6336400, 0xCB007100, 0x00000000, 0xFFFFFF00]
V6_BASES = [0x20010DB8 << 96, 0xFE80 << 112, 0, (1 << 128) - 256, 0xFFFF << 32]  # the last: IPv4-mapped


@st.composite
def v4(draw):
    base = draw(st.sampled_from(V4_BASES))
    return ipaddress.IPv4Address((base + draw(st.integers(0, 1 << draw(st.sampled_from([2, 8, 12, 20]))))) % (1 << 32))


@st.composite
def v6(draw):
    base = draw(st.sampled_from(V6_BASES))
    return ipaddress.IPv6Address((base + draw(st.integers(0, 1 << draw(st.sampled_from([2, 8, 40, 100]))))) % (1 << 128))


addr = st.one_of(v4(), v6())


@st.composite
def network(draw):
    a = draw(addr)
    plen = draw(st.integers(0, a.max_prefixlen))
    return ipaddress.ip_network(f"{a}/{plen}", strict=False)


def as_v6_int(a: ipaddress._BaseAddress) -> int:
    return int(a) + (0xFFFF << 32) if a.version == 4 else int(a)


def ref_net_range(n: ipaddress._BaseNetwork) -> tuple[int, int]:
    lo = as_v6_int(n.network_address)
    return lo, lo + n.num_addresses - 1


MAPPED = ipaddress.ip_network("::ffff:0:0/96")


def ref_covers(n: ipaddress._BaseNetwork, a: ipaddress._BaseAddress) -> bool:
    """The matching rule: an IPv4 address (or an IPv4-mapped IPv6 one, the same address) is
    covered by IPv4 networks and by IPv6 networks inside ``::ffff:0:0/96``; an IPv6 network
    wider than that (``::/8``, ``::/0``) covers IPv6 addresses only."""
    lo, hi = ref_net_range(n)
    x = as_v6_int(a)
    ipv4 = a.version == 4 or a in MAPPED
    inside_mapped = n.version == 4 or n.subnet_of(MAPPED)
    return lo <= x <= hi and (not ipv4 or inside_mapped)


@st.composite
def rendered(draw, a):
    """A textual form of ``a`` that should be read as the same address."""
    if a.version == 4:
        return draw(st.sampled_from([str(a), f"::ffff:{a}", f"::FFFF:{a}"]))
    forms = [str(a), a.exploded, a.exploded.upper(), str(a).upper()]
    return draw(st.sampled_from(forms))


@settings(max_examples=150, deadline=None)
@given(
    iocs=st.lists(st.one_of(addr.map(str), network().map(str)), min_size=1, max_size=12),
    data=st.data(),
)
def test_ip_and_cidr_agree_with_ipaddress(iocs, data):
    s = vl.IocSet([{"type": "ip", "value": v} for v in iocs])
    assert not s.invalid.height
    hay = data.draw(st.lists(addr, min_size=1, max_size=30))
    # also addresses taken from the indicators themselves and their networks' edges
    for v in iocs:
        n = ipaddress.ip_network(v, strict=False)
        hay.append(n.network_address)
        hay.append(n.broadcast_address)
        if int(n.broadcast_address) < (1 << n.max_prefixlen) - 1:
            hay.append(n.broadcast_address + 1)
        if int(n.network_address) > 0:
            hay.append(n.network_address - 1)
    texts = [data.draw(rendered(a)) for a in hay]
    h = s.match(pl.DataFrame({"ip": texts}), columns={"ip": "ip"})
    got = {(r, i) for r, i in zip(h["row"].to_list(), h["ioc"].to_list())}

    expected = set()
    for ind in s:
        n = ipaddress.ip_network(ind.value, strict=False)
        for row, a in enumerate(hay):
            if ref_covers(n, a):
                expected.add((row, ind.value))
    assert got == expected


LABELS = ["evil", "com", "co", "a", "b-c", "xn--bcher-kva", "example", "net"]
label = st.sampled_from(LABELS)
domain = st.lists(label, min_size=1, max_size=4).map(".".join)


@st.composite
def host_text(draw):
    d = draw(domain)
    d = "".join(c.upper() if draw(st.booleans()) and c.isalpha() else c for c in d) if draw(st.booleans()) else d
    return d + ("." if draw(st.integers(0, 4)) == 0 else "")


def ref_domain_match(host: str, ioc: str) -> bool:
    h = host.lower().rstrip(".")
    return h == ioc or h.endswith("." + ioc)


@settings(max_examples=150, deadline=None)
@given(
    iocs=st.lists(domain.filter(lambda d: "." in d), min_size=1, max_size=8),
    hosts=st.lists(host_text(), min_size=1, max_size=40),
)
def test_domains_agree_with_label_suffix_reference(iocs, hosts):
    s = vl.IocSet([{"type": "domain", "value": v} for v in iocs])
    # on a domain column, and the same hosts inside URLs (read as text)
    for col, role, cells in (
        ("d", "domain", hosts),
        # padded, and lists of one host (a comma or spaces around it)
        ("d", "domain", [[f" {h}", f"{h}\t", f"x.invalid, {h}", f"{h} ,x.invalid", f"\n{h} "][i % 5] for i, h in enumerate(hosts)]),
        ("u", "url", [f"https://{h}/p?q=1" for h in hosts]),
        ("u", "url", [f"CONNECT {h.rstrip('.')}:443" for h in hosts]),
    ):
        h = s.match(pl.DataFrame({col: cells}), columns={col: role})
        got = {(r, i) for r, i in zip(h["row"].to_list(), h["ioc"].to_list())}
        expected = {(row, ind.value) for ind in s for row, host in enumerate(hosts) if ref_domain_match(host, ind.value)}
        assert got == expected, (role, cells)


@settings(max_examples=100, deadline=None)
@given(a=addr, other=addr)
def test_exact_ip_never_matches_another_address_in_text(a, other):
    s = vl.IocSet([str(a)])
    cells = [f"GET http://{other}/x from {other}" if other.version == 4 else f"from [{other}]:443"]
    h = s.match(pl.DataFrame({"url": cells}), columns={"url": "text"})
    assert (h.height > 0) == (as_v6_int(a) == as_v6_int(other))


@settings(max_examples=100, deadline=None)
@given(iocs=st.lists(network(), min_size=1, max_size=6), hay=st.lists(addr, min_size=1, max_size=10), data=st.data())
def test_ipv6_after_a_name_in_text(iocs, hay, data):
    """Cisco ASA writes ``interface:address/port``: the address is found, IPv6 ones too."""
    s = vl.IocSet([{"type": "cidr", "value": str(n)} for n in iocs])
    names = [data.draw(st.sampled_from(["outside", "inside", "dmz1", "src", "src_if-2"])) for _ in hay]
    cells = [f"Built inbound TCP connection 7 for {nm}:{a}/{data.draw(st.integers(1, 65535))} to x" for nm, a in zip(names, hay)]
    h = s.match(pl.DataFrame({"message": cells}), columns={"message": "text"})
    got = {(r, i) for r, i in zip(h["row"].to_list(), h["ioc"].to_list())}
    expected = {(row, ind.value) for ind in s for row, a in enumerate(hay) if ref_covers(ipaddress.ip_network(ind.value, strict=False), a)}
    assert got == expected
