"""Indicators of compromise: load them (CSV/TSV, text, STIX 2.1, MISP, Python values), then
find every row of a table where one appears. Loading is Python; normalisation and matching
are Rust (``veilleur._core``), so both sides agree on every rule.

>>> import veilleur as vl
>>> iocs = vl.IocSet.from_file("cert-iocs.csv")
>>> hits = iocs.match(vl.read("collect/").events)
>>> vl.first_last_seen(hits, by=["ioc", "src_ip"])
"""

from __future__ import annotations

import csv
import encodings.idna
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from . import _core
from ._arrow import arrow_source, polars_table

__all__ = ["Indicator", "IocSet", "default_columns", "first_last_seen"]

KINDS = ("ip", "cidr", "domain", "url", "uri", "md5", "sha1", "sha256", "user_agent", "email", "string")

#: type names found in CSV files, MISP and elsewhere, mapped to veilleur's kinds
#: (``None``: recognised but not matchable in logs, reported in ``invalid``).
TYPE_ALIASES: dict[str, str | None] = {
    **{k: k for k in KINDS},
    "ipv4": "ip", "ipv6": "ip", "ip-src": "ip", "ip-dst": "ip", "ipv4-addr": "ip", "ipv6-addr": "ip",
    "ip-src|port": "ip", "ip-dst|port": "ip", "ip:port": "ip", "ip_port": "ip", "address": "ip",
    "ipv4-cidr": "cidr", "ipv6-cidr": "cidr", "network": "cidr", "subnet": "cidr",
    "hostname": "domain", "fqdn": "domain", "domain-name": "domain", "host": "domain",
    "link": "url", "uri_full": "url",
    "url_path": "uri", "path": "uri", "uri-path": "uri", "file": "uri",
    "sha-256": "sha256", "sha-1": "sha1", "filename|md5": "md5", "filename|sha1": "sha1", "filename|sha256": "sha256",
    "user-agent": "user_agent", "useragent": "user_agent", "ua": "user_agent",
    "email-src": "email", "email-dst": "email", "email-addr": "email", "email_address": "email", "mail": "email",
    "query": "string", "text": "string", "str": "string", "pattern": "string", "keyword": "string",
    "filename": "string",
    "http_status": None, "zip_entry": None, "dir": None, "process": None, "file_modified": None,
    "regkey": None, "mutex": None, "yara": None, "sigma": None, "snort": None,
}


@dataclass
class Indicator:
    """One normalised indicator; duplicates (same kind and value) are merged into one, keeping
    every description, tag and source."""

    kind: str
    value: str
    descriptions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    first_seen: str | None = None

    @property
    def description(self) -> str | None:
        return "; ".join(self.descriptions) or None


@dataclass(frozen=True)
class Invalid:
    """An entry that was not loaded, and why."""

    file: str | None
    line: int | None
    value: str
    reason: str


def _ascii_host(host: str) -> str:
    """IDNA (2003, Python's codec) per label, for non-ASCII host names."""
    if host.isascii():
        return host
    labels = host.rstrip(".").split(".")
    out = [encodings.idna.ToASCII(lab).decode("ascii") if lab and not lab.isascii() else lab for lab in labels]
    return ".".join(out) + ("." if host.endswith(".") else "")


def _to_ascii(kind: str | None, value: str) -> str:
    """Punycode the host part of non-ASCII domains, URLs and e-mail addresses."""
    if value.isascii():
        return value
    v = _core.refang(value)
    k = kind or _core.guess_ioc_kind(v)
    if k == "domain":
        return _ascii_host(v)
    if k == "email" and "@" in v:
        local, _, dom = v.rpartition("@")
        return f"{local}@{_ascii_host(dom)}"
    if k == "url":
        m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*://)?([^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)(.*)$", v, re.S)
        if m:
            return (m.group(1) or "") + (m.group(2) or "") + _ascii_host(m.group(3)) + m.group(4)
    return value


def _split_tags(t: Any) -> list[str]:
    if t is None:
        return []
    if isinstance(t, str):
        return [x.strip() for x in re.split(r"[;,|]", t) if x.strip()]
    return [str(x) for x in t if str(x).strip()]


class IocSet:
    """A set of normalised indicators, compiled once into Rust matchers.

    **Loading.** ``IocSet(values)`` takes strings (kind guessed) or mappings with ``value``
    and optionally ``type``/``kind``, ``description``, ``tags``, ``source``, ``first_seen``;
    :meth:`from_file` picks :meth:`from_csv` (``.csv``/``.tsv``), :meth:`from_stix` or
    :meth:`from_misp` (``.json``, by content) or :meth:`from_text`. Entries that cannot be
    used are listed in :attr:`invalid` (file, line, value, reason), never raised.
    Duplicates (same kind and normalised value) merge and keep every description, tag and
    source.

    **Normalisation** (before matching, on every value):

    * defanged values are refanged for IPs, CIDRs, domains, URLs and e-mails: ``hxxp``/
      ``hxxps``/``fxp``, ``[.]`` ``(.)`` ``{.}`` ``[dot]`` ``\\.``, ``[:]``, ``[://]``,
      ``[@]`` ``(at)`` ``[at]``;
    * ``ip``: IPv4 dotted quad (leading zeros refused: octal ambiguity) or IPv6 written in
      canonical RFC 5952 form; an IPv4-mapped IPv6 (``::ffff:a.b.c.d``) becomes the IPv4
      address; brackets and a ``:port`` are dropped (the port is not matched);
    * ``cidr``: ``address/length`` of any length (v4 0–32, v6 0–128), host bits cleared;
      an IPv4-mapped IPv6 network of length ≥ 96 becomes the IPv4 network; an IP written with
      ``/len`` under kind ``ip`` is a cidr;
    * ``domain``: lower-case, trailing dot and a leading ``*.`` removed, IDNA to punycode,
      labels of ``[a-z0-9_-]`` of 1–63 characters;
    * ``url``: scheme and host lower-case, host normalised like a domain (or canonical IP),
      default port (http 80, https 443) and fragment removed, a bare ``/`` path removed; path
      and query keep their case. A URL without a scheme (``evil.com/x.sh``) is kept without;
    * ``md5``/``sha1``/``sha256``: 32/40/64 hex digits, lower-case;
    * ``email``: lower-case, domain part as a domain; ``user_agent``, ``uri`` and ``string``
      are kept as written (trimmed of surrounding line breaks / spaces for uri).

    Guessing (no type): ``a/len`` cidr, an IP (optionally ``:port``) ip, ``scheme://`` url,
    32/40/64 hex digits md5/sha1/sha256, ``x@domain`` email, a leading ``/`` uri, a dotted
    name ending in a letter label domain, ``host/path`` url, anything else string.

    **Matching rules** (:meth:`match`, in Rust):

    * ``ip``: equal to the address (IPv4-mapped IPv6 in the data equal the IPv4 address;
      IPv6 in any written form). ``10.0.0.13`` never matches ``10.0.0.130``;
    * ``cidr``: the address is inside the network (any prefix length; nested networks and
      addresses all report). An IPv4 address (or an IPv4-mapped IPv6 one such as
      ``::ffff:203.0.113.7``, read as that IPv4 address) is matched by IPv4 indicators and by
      IPv6 ones inside ``::ffff:0:0/96`` only: a wider IPv6 network that merely contains the
      mapped range (``::/8``, ``::/0`` of bogon lists) matches IPv6 addresses, not IPv4;
    * ``domain``: the host equals the domain or is a subdomain of it on a label boundary,
      case-insensitively, trailing dot ignored: ``evil.com`` matches ``evil.com`` and
      ``a.b.evil.com``, not ``myevil.com``, ``evil.com.cdn.net`` or ``evil.co``;
    * ``url``: the normalised URL appears in the text, scheme and host case-insensitively,
      path and query case-sensitively, not preceded by a letter, digit, ``.``, ``-`` or ``_``
      and not followed by one of those, ``~``, ``%`` or ``:`` (so ``…/x.sh`` matches
      ``…/x.sh?a=1`` but not ``…/x.shell``);
    * ``uri`` (a path or fragment of one) and ``string``: a case-sensitive substring; a
      ``string`` that looks like a file name (a dot, and only letters, digits, non-ASCII and
      ``._-~$+``: MISP/CSV ``filename``, STIX ``file:name``) matches only as a whole name: not
      preceded by a letter, digit, ``.``, ``-`` or ``_`` and not followed by a letter, digit,
      ``-`` or ``_`` (``x.sh`` matches ``/dl/x.sh?a=1``, not ``/index.shtml``);
    * hashes: a token of 32/40/64 hex digits equal to it, case-insensitively;
    * ``user_agent``: the whole user-agent cell equals it, byte for byte;
    * ``email``: an address in the cell (an e-mail column) or the text equal to it,
      case-insensitively. Addresses are found around each ``@``: the domain right of it
      (``[A-Za-z0-9._-]``), the local part left of it over RFC 5322 ``atext`` (letters,
      digits, ``!#$%&'*+/=?^_`{|}~.-`` and non-ASCII letters), which stops at ``<``, ``:``,
      whitespace, quotes, ``(``, ``,``, ``;``…; a local part may also start after its
      punctuation other than ``.-_+`` (``to=x@y``, ``'x@y'``, ``/u/x@y``). So
      ``bad+tag@evil.org`` is found in ``from=<bad+tag@evil.org>``, ``x@evil.net`` in
      ``mailto:x@evil.net`` and ``"Bad <x@evil.net>, y@z.org"``; ``ax@evil.net`` and
      ``x+y@evil.net`` are other addresses. The domain of an e-mail cell's addresses is also
      matched as a host (domain indicators).

    Indicators inside text are found: text cells (url, referrer, query, message) are split
    into tokens of ``[A-Za-z0-9._:@-]``; a token with two or more colons that parses is an
    IPv6 address, as is what follows ``name:`` (Cisco ASA's ``outside:2001:db8::1/52412``;
    the name starts with a letter and is not a hex group, so times ``12:34:56`` and MAC
    addresses are not read as addresses); otherwise it is split on ``:``
    (``CONNECT evil.com:443``, ``http://203.0.113.7:8080/``), and each part is tested as an
    IPv4 address, a hash or a host name (subdomain rule); in ``x@y`` tokens ``y`` is tested
    as a host. A non-ASCII letter, digit or mark written right against a host name is part of
    its label, as in a domain cell: ``ñevil.com``, ``приветevil.com``, ``访问evil.com`` are not
    ``evil.com`` (punctuation such as ``「evil.com」`` or ``evil.com。`` is a boundary; IP
    addresses and hashes are not labels: ``来自203.0.113.7`` matches). A domain cell is a
    host, or a list of hosts separated by commas or whitespace (surrounding whitespace
    ignored).
    Percent-encoded text (``cmd=curl%20http%3A%2F%2F…``) is decoded (twice at most) and
    searched too. Which column is read how is decided by :func:`default_columns` or by the
    ``columns`` argument of :meth:`match`. One hit is reported per (row, column, indicator).

    Limits: ports are not matched (``ip-dst|port`` and ``ip:port`` keep the address only); a
    URL indicator is searched in text cells, not rebuilt from separate host and path columns
    (the host still matches a domain indicator, the path a ``uri`` one); host names in the
    data are compared as written (logs carry punycode; Unicode hosts in the data are not
    converted); IDNA conversion of indicators uses Python's IDNA 2003 codec; IPv4 addresses
    with leading zeros (``010.0.0.1``) are not addresses; a default port written out in the
    data (``https://evil.example:443/x``) does not match the URL indicator without it.
    """

    def __init__(
        self,
        iocs: Iterable[str | Mapping[str, Any]] = (),
        *,
        kind: str | None = None,
        source: str | None = None,
    ) -> None:
        self._entries: dict[tuple[str, str], Indicator] = {}
        self._invalid: list[Invalid] = []
        self._matcher: _core.RawIocMatcher | None = None
        self._frame: pl.DataFrame | None = None
        for i, item in enumerate(iocs):
            if isinstance(item, str):
                self.add(item, kind=kind, source=source, line=i + 1)
            elif isinstance(item, Mapping):
                self.add(
                    str(item.get("value", "")),
                    kind=item.get("type") or item.get("kind") or kind,
                    description=item.get("description") or item.get("comment") or item.get("context"),
                    tags=item.get("tags"),
                    source=item.get("source") or source,
                    first_seen=item.get("first_seen"),
                    line=i + 1,
                )
            else:
                self._invalid.append(Invalid(None, i + 1, repr(item), "not a string or a mapping"))

    # ---------------------------------------------------------------------------------- adding

    def add(
        self,
        value: str,
        kind: str | None = None,
        *,
        description: str | None = None,
        tags: Any = None,
        source: str | None = None,
        first_seen: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> bool:
        """Normalise and add one indicator; returns False (and records it in :attr:`invalid`)
        when it cannot be used. ``kind`` is a kind or a known alias (MISP types, ``ipv4``,
        ``hostname``, ...); ``None`` guesses it."""
        raw = value
        if kind is not None:
            key = str(kind).strip().lower()
            if key not in TYPE_ALIASES:
                self._invalid.append(Invalid(file, line, raw, f"unknown indicator type {kind!r}"))
                return False
            mapped = TYPE_ALIASES[key]
            if mapped is None:
                self._invalid.append(Invalid(file, line, raw, f"indicator type {kind!r} cannot be matched in logs"))
                return False
            if "|" in key and "|" in value:  # ip-dst|port, filename|sha256
                left, _, right = value.partition("|")
                value = left if key.startswith("ip") else right
            kind = mapped
        if not value or not value.strip():
            self._invalid.append(Invalid(file, line, raw, "empty value"))
            return False
        try:
            value = _to_ascii(kind, value)
        except UnicodeError as e:
            self._invalid.append(Invalid(file, line, raw, f"IDNA conversion failed: {e}"))
            return False
        if kind is None:
            kind = _core.guess_ioc_kind(value)
        try:
            k, v = _core.normalize_ioc(kind, value)
        except ValueError as e:
            self._invalid.append(Invalid(file, line, raw, str(e)))
            return False
        ent = self._entries.get((k, v))
        if ent is None:
            ent = self._entries[(k, v)] = Indicator(k, v)
        if description and str(description) not in ent.descriptions:
            ent.descriptions.append(str(description))
        for t in _split_tags(tags):
            if t not in ent.tags:
                ent.tags.append(t)
        if source and str(source) not in ent.sources:
            ent.sources.append(str(source))
        if first_seen and (ent.first_seen is None or str(first_seen) < ent.first_seen):
            ent.first_seen = str(first_seen)
        self._matcher = None
        self._frame = None
        return True

    def update(self, other: IocSet) -> IocSet:
        """Merge another set into this one (descriptions, tags and sources kept)."""
        for ind in other:
            ent = self._entries.setdefault((ind.kind, ind.value), Indicator(ind.kind, ind.value))
            for mine, theirs in ((ent.descriptions, ind.descriptions), (ent.tags, ind.tags), (ent.sources, ind.sources)):
                mine.extend(x for x in theirs if x not in mine)
            if ind.first_seen and (ent.first_seen is None or ind.first_seen < ent.first_seen):
                ent.first_seen = ind.first_seen
        self._invalid.extend(other._invalid)
        self._matcher = None
        self._frame = None
        return self

    # --------------------------------------------------------------------------------- loaders

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **kw: Any) -> IocSet:
        """Load a file by its extension and content: ``.csv``/``.tsv`` → :meth:`from_csv`;
        ``.json`` → :meth:`from_stix` for a STIX bundle (``"type": "bundle"``), else
        :meth:`from_misp`; anything else → :meth:`from_text`."""
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix in (".csv", ".tsv"):
            return cls.from_csv(p, **kw)
        if suffix == ".json":
            doc = json.loads(p.read_text(encoding="utf-8"))
            if isinstance(doc, dict) and doc.get("type") == "bundle":
                return cls.from_stix(p, **kw)
            return cls.from_misp(p, **kw)
        return cls.from_text(p, **kw)

    @classmethod
    def from_text(cls, path: str | os.PathLike[str], *, kind: str | None = None, source: str | None = None) -> IocSet:
        """One indicator per line, kind guessed (or ``kind``); blank lines and lines starting
        with ``#`` are skipped, as is anything after `` #``."""
        s = cls()
        src = source or Path(path).name
        with open(path, encoding="utf-8-sig") as f:
            for n, line in enumerate(f, 1):
                v = line.split(" #", 1)[0].strip()
                if v and not v.startswith("#"):
                    s.add(v, kind, source=src, file=os.fspath(path), line=n)
        return s

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str], *, delimiter: str | None = None, source: str | None = None) -> IocSet:
        """CSV or TSV with a header naming a ``value`` column (also ``indicator``, ``ioc``)
        and optionally ``type`` (``kind``, ``ioc_type``; guessed per row when absent or
        empty), ``description`` (``context``, ``comment``), ``tags`` (separated by ``,``
        ``;`` or ``|``), ``source``, ``first_seen`` and ``confidence`` (kept as a
        ``confidence:<value>`` tag). The delimiter is a tab for ``.tsv`` or a header with tabs, else a
        comma. A file without such a header is read as one value per row (first column)."""
        s = cls()
        fname = os.fspath(path)
        text = Path(path).read_text(encoding="utf-8-sig")
        first = text.split("\n", 1)[0]
        if delimiter is None:
            delimiter = "\t" if (fname.lower().endswith(".tsv") or "\t" in first) else ","
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        if not rows:
            return s
        head = [h.strip().lower() for h in rows[0]]

        def col(*names: str) -> int | None:
            for nm in names:
                if nm in head:
                    return head.index(nm)
            return None

        iv = col("value", "indicator", "ioc", "observable")
        if iv is None:
            for n, row in enumerate(rows, 1):
                if row and row[0].strip() and not row[0].startswith("#"):
                    s.add(row[0].strip(), source=source or Path(path).name, file=fname, line=n)
            return s
        it, idesc = col("type", "kind", "ioc_type", "indicator_type"), col("description", "context", "comment")
        itags, isrc, ifs = col("tags", "tag"), col("source",), col("first_seen", "firstseen")
        iconf = col("confidence")

        def get(row: list[str], i: int | None) -> str | None:
            return row[i].strip() if i is not None and i < len(row) and row[i].strip() else None

        for n, row in enumerate(rows[1:], 2):
            if not any(c.strip() for c in row) or row[0].startswith("#"):
                continue
            value = get(row, iv)
            if value is None:
                s._invalid.append(Invalid(fname, n, delimiter.join(row), "no value"))
                continue
            tags = _split_tags(get(row, itags))
            if get(row, iconf):
                tags.append(f"confidence:{get(row, iconf)}")
            s.add(value, get(row, it), description=get(row, idesc), tags=tags,
                  source=get(row, isrc) or source or Path(path).name, first_seen=get(row, ifs), file=fname, line=n)
        return s

    @classmethod
    def from_stix(cls, path: str | os.PathLike[str], *, source: str | None = None) -> IocSet:
        """A STIX 2.1 bundle: ``indicator`` objects with STIX patterns (every ``=``
        comparison of ``ipv4-addr:value``, ``ipv6-addr:value``, ``domain-name:value``,
        ``url:value``, ``email-addr:value``, ``file:hashes.'MD5'|'SHA-1'|'SHA-256'``,
        ``file:name``, ``network-traffic:dst_ref.value``/``src_ref.value``, the HTTP
        extension's ``request_value`` and ``User-Agent`` header, joined by ``OR``/``AND``),
        and the SCOs of ``observed-data`` (embedded ``objects`` or ``object_refs`` into the
        bundle, network-traffic ``src_ref``/``dst_ref`` followed). The line reported is the
        line of the object's ``id`` in the file."""
        fname = os.fspath(path)
        text = Path(path).read_text(encoding="utf-8")
        doc = json.loads(text)
        s = cls()
        src_default = source or Path(path).name
        objects = doc.get("objects", []) if isinstance(doc, dict) else []
        by_id = {o.get("id"): o for o in objects if isinstance(o, dict)}
        idents = {o["id"]: o.get("name") for o in objects if isinstance(o, dict) and o.get("type") == "identity" and "id" in o}

        def line_of(oid: str | None) -> int | None:
            if not oid:
                return None
            i = text.find(f'"{oid}"')
            return text.count("\n", 0, i) + 1 if i >= 0 else None

        for o in objects:
            if not isinstance(o, dict):
                continue
            t = o.get("type")
            ln = line_of(o.get("id"))
            src = idents.get(o.get("created_by_ref")) or src_default
            tags = list(o.get("labels", [])) + list(o.get("indicator_types", []))
            desc = " — ".join(x for x in (o.get("name"), o.get("description")) if x) or None
            if t == "indicator":
                if o.get("pattern_type", "stix") != "stix":
                    s._invalid.append(Invalid(fname, ln, o.get("pattern", ""), f"pattern type {o.get('pattern_type')!r} is not supported"))
                    continue
                found = _stix_comparisons(o.get("pattern", ""))
                if not found:
                    s._invalid.append(Invalid(fname, ln, o.get("pattern", ""), "no usable comparison in the pattern"))
                for kind, value, why in found:
                    if kind is None:
                        s._invalid.append(Invalid(fname, ln, value, why))
                    else:
                        s.add(value, kind, description=desc, tags=tags, source=src, first_seen=o.get("valid_from"), file=fname, line=ln)
            elif t == "observed-data":
                scos: list[dict[str, Any]] = []
                emb = o.get("objects")
                if isinstance(emb, dict):
                    scos.extend(v for v in emb.values() if isinstance(v, dict))
                    lookup = {**by_id, **emb}
                else:
                    lookup = by_id
                scos.extend(by_id[r] for r in o.get("object_refs", []) if r in by_id)
                for sco in scos:
                    for kind, value in _sco_values(sco, lookup):
                        s.add(value, kind, description=desc, tags=tags, source=src, first_seen=o.get("first_observed"), file=fname, line=ln)
        return s

    @classmethod
    def from_misp(cls, path: str | os.PathLike[str], *, source: str | None = None) -> IocSet:
        """A MISP event export (``{"Event": …}``, a list of them, or ``{"response": […]}``):
        every attribute of the event and of its objects. Types: ip-src, ip-dst (cidr when
        written with ``/``), ip-src|port and ip-dst|port (the IP; the port is not matched),
        domain, hostname, domain|ip (both), url, link, uri, md5, sha1, sha256,
        filename|md5/sha1/sha256 (the hash), user-agent, email, email-src, email-dst; other
        types are reported in :attr:`invalid`. Tags are the event's and the attribute's;
        the source is the event's creator organisation and ``info``."""
        fname = os.fspath(path)
        text = Path(path).read_text(encoding="utf-8")
        doc = json.loads(text)
        if isinstance(doc, dict) and "response" in doc:
            doc = doc["response"]
        events = doc if isinstance(doc, list) else [doc]
        s = cls()

        def line_of(uuid: str | None, value: str) -> int | None:
            i = text.find(f'"{uuid}"') if uuid else -1
            if i < 0:
                i = text.find(json.dumps(value)[1:-1])
            return text.count("\n", 0, i) + 1 if i >= 0 else None

        for ev in events:
            ev = ev.get("Event", ev) if isinstance(ev, dict) else {}
            org = (ev.get("Orgc") or {}).get("name")
            src = source or " — ".join(x for x in (org, ev.get("info")) if x) or Path(path).name
            ev_tags = [t.get("name") for t in ev.get("Tag", []) if isinstance(t, dict) and t.get("name")]
            attrs = list(ev.get("Attribute", []))
            for obj in ev.get("Object", []):
                attrs.extend(obj.get("Attribute", []))
            for a in attrs:
                typ, value = str(a.get("type", "")), str(a.get("value", ""))
                ln = line_of(a.get("uuid"), value)
                tags = ev_tags + [t.get("name") for t in a.get("Tag", []) if isinstance(t, dict) and t.get("name")]
                kw = dict(description=a.get("comment") or None, tags=tags, source=src, first_seen=a.get("first_seen"), file=fname, line=ln)
                if typ == "domain|ip" and "|" in value:
                    d, _, ip = value.partition("|")
                    s.add(d, "domain", **kw)
                    s.add(ip, "ip", **kw)
                elif typ.lower() in TYPE_ALIASES:
                    s.add(value, typ, **kw)
                else:
                    s._invalid.append(Invalid(fname, ln, value, f"MISP type {typ!r} is not supported"))
        return s

    # ------------------------------------------------------------------------------- the set

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self._entries.values())

    def __contains__(self, item: object) -> bool:
        if isinstance(item, tuple):
            return item in self._entries
        return any(v == item for (_, v) in self._entries)

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for k, _ in self._entries:
            counts[k] = counts.get(k, 0) + 1
        inner = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
        return f"IocSet({len(self)} indicators: {inner}; {len(self._invalid)} invalid)"

    def to_frame(self) -> pl.DataFrame:
        """One row per indicator: ioc_id, ioc, ioc_kind, description, tags, ioc_source, first_seen."""
        if self._frame is not None:
            return self._frame
        ents = list(self._entries.values())
        self._frame = pl.DataFrame(
            {
                "ioc_id": list(range(len(ents))),
                "ioc": [e.value for e in ents],
                "ioc_kind": [e.kind for e in ents],
                "description": [e.description for e in ents],
                "tags": [e.tags for e in ents],
                "ioc_source": [e.sources for e in ents],
                "first_seen": [e.first_seen for e in ents],
            },
            schema={
                "ioc_id": pl.UInt32, "ioc": pl.String, "ioc_kind": pl.String, "description": pl.String,
                "tags": pl.List(pl.String), "ioc_source": pl.List(pl.String), "first_seen": pl.String,
            },
        )
        return self._frame

    @property
    def invalid(self) -> pl.DataFrame:
        """Entries not loaded: file, line, value, reason."""
        return pl.DataFrame(
            {
                "file": [i.file for i in self._invalid],
                "line": [i.line for i in self._invalid],
                "value": [i.value for i in self._invalid],
                "reason": [i.reason for i in self._invalid],
            },
            schema={"file": pl.String, "line": pl.UInt64, "value": pl.String, "reason": pl.String},
        )

    def _compiled(self) -> _core.RawIocMatcher:
        if self._matcher is None:
            keys = list(self._entries)
            self._matcher = _core.RawIocMatcher([k for k, _ in keys], [v for _, v in keys])
        return self._matcher

    # ------------------------------------------------------------------------------ matching

    def match(
        self,
        table: Any,
        columns: Iterable[str] | Mapping[str, str] | None = None,
        *,
        keep: Iterable[str] | None = None,
    ) -> pl.DataFrame:
        """Every (row, column, indicator) match in ``table`` (a polars DataFrame, a pyarrow
        Table, a veilleur table, anything with ``__arrow_c_stream__``). String columns may be
        Utf8, LargeUtf8, Utf8View or dictionaries of them; a dictionary (a pyarrow dictionary
        column, a polars Categorical) is matched once per distinct value, and only the rows
        holding a value that matches are read again: for many matches against one large table,
        cast its address and host columns to Categorical once (each match then takes about half
        the time on 20M rows).

        ``columns``: ``None`` uses :func:`default_columns`; a list of names gives each the
        role its name implies (``text`` for names it does not know); a mapping gives roles
        explicitly (``ip``, ``domain``, ``url``/``text``, ``user_agent``, ``email``,
        ``hash``).

        Returns one row per hit, in table order: the row's ``file``, ``line``, ``offset``,
        ``ts``, ``source``, ``host`` (null when the table lacks them), the columns in ``keep``
        (default: ``src_ip``, ``dst_ip``, ``user`` when present), ``row`` (0-based index in
        ``table``), ``column`` (which column matched), ``value`` (the cell), ``matched``
        (the text in the cell that matched), and the indicator: ``ioc``, ``ioc_kind``,
        ``description``, ``tags``, ``ioc_source``."""
        # a pyarrow Table is read in place (its columns cross to the engine as they are, e.g.
        # dictionaries, matched once per value); anything else is taken into polars
        if isinstance(table, pa.Table):
            names = table.column_names
            select = table.select
        else:
            df = table if isinstance(table, pl.DataFrame) else pl.DataFrame(table)
            names = df.columns
            dictionaries: dict = {}

            def select(cols: list[str]) -> pa.Table:
                return polars_table(df.select(cols), dictionaries)
        if columns is None:
            specs = default_columns(names)
        elif isinstance(columns, Mapping):
            specs = [(c, "text" if r == "url" else r, None) for c, r in columns.items()]
        else:
            specs = [(c, _role_of(c) or "text", None) for c in columns]
        missing = [c for c, _, _ in specs if c not in names]
        if missing:
            raise ValueError(f"no column {missing[0]!r} in the table (columns: {', '.join(names)})")
        prov_types = {
            "file": pl.String, "line": pl.UInt64, "offset": pl.UInt64,
            "ts": pl.Datetime("us", "UTC"), "source": pl.String, "host": pl.String,
        }
        wanted = keep if keep is not None else ("src_ip", "dst_ip", "user")
        keep_cols = [c for c in wanted if c in names and c not in prov_types]
        present = [c for c in prov_types if c in names] + keep_cols
        # one column (and the column its `unless` names) crosses to the engine at a time: polars
        # copies the views of what it exports, so a wide export would cost memory and time; the
        # engine merges the columns' hits into row order
        # (a generator: the engine takes each column's table when it comes to it, and drops it
        # before the next, with whatever its export allocated)
        # then the engine takes the provenance and kept columns at the hits' rows (a column at a
        # time as well; dictionaries and Categoricals decoded), on all cores
        crossing = [list(dict.fromkeys([c] + ([u] if u else []))) for c, _, u in specs] + [[c] for c in present]
        tables = (arrow_source(select(cols), "table") for cols in crossing)
        raw = pl.DataFrame(self._compiled().match_tables(tables, specs, len(present)))
        iocs = self.to_frame().drop("first_seen")
        out = pl.concat([raw.drop("ioc"), iocs.select(pl.all().gather(raw["ioc"])).drop("ioc_id")], how="horizontal")
        out = out.with_columns([pl.lit(None, dtype=t).alias(c) for c, t in prov_types.items() if c not in names])
        return out.select(*prov_types, *keep_cols, "row", "column", "value", "matched",
                          "ioc", "ioc_kind", "description", "tags", "ioc_source")


def _stix_unquote(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s[1:-1])


_STIX_CMP = re.compile(
    r"([a-z0-9-]+):((?:[A-Za-z0-9_\-]+|'[^']*')(?:\.(?:[A-Za-z0-9_\-]+|'[^']*')|\[\d+\]|\[\*\])*)\s*(=|!=|LIKE|MATCHES|IN|>=|<=|>|<)\s*('(?:[^'\\]|\\.)*')",
)


def _stix_kind(obj: str, path: str, value: str) -> tuple[str | None, str]:
    p = path.replace("'", "").lower()
    if obj in ("ipv4-addr", "ipv6-addr") and p == "value":
        return "ip", ""
    if obj == "domain-name" and p == "value":
        return "domain", ""
    if obj == "url" and p == "value":
        return "url", ""
    if obj == "email-addr" and p == "value":
        return "email", ""
    if obj == "email-message" and p in ("from_ref.value", "sender_ref.value", "to_refs[*].value"):
        return "email", ""
    if obj == "file" and p.startswith("hashes."):
        h = p.split(".", 1)[1].replace("-", "")
        if h in ("md5", "sha1", "sha256"):
            return h, ""
        return None, f"hash {path} is not supported"
    if obj == "file" and p == "name":
        return "string", ""
    if obj == "network-traffic" and p in ("dst_ref.value", "src_ref.value"):
        return _core.guess_ioc_kind(value) if _core.guess_ioc_kind(value) in ("ip", "cidr", "domain") else "domain", ""
    if obj == "network-traffic" and p.endswith("request_header.user-agent"):
        return "user_agent", ""
    if obj == "network-traffic" and p.endswith("request_value"):
        return "uri", ""
    return None, f"STIX property {obj}:{path} is not supported"


def _stix_comparisons(pattern: str) -> list[tuple[str | None, str, str]]:
    """Every ``=`` comparison of a STIX pattern as (kind or None, value, reason)."""
    out: list[tuple[str | None, str, str]] = []
    for m in _STIX_CMP.finditer(pattern):
        obj, path, op, lit = m.groups()
        value = _stix_unquote(lit)
        if op != "=":
            out.append((None, value, f"operator {op} is not supported (only =)"))
            continue
        kind, why = _stix_kind(obj, path, value)
        out.append((kind, value, why))
    return out


def _sco_values(sco: Mapping[str, Any], lookup: Mapping[str, Any]) -> list[tuple[str, str]]:
    t = sco.get("type")
    v = sco.get("value")
    if t in ("ipv4-addr", "ipv6-addr") and v:
        return [("ip", v)]
    if t == "domain-name" and v:
        return [("domain", v)]
    if t == "url" and v:
        return [("url", v)]
    if t == "email-addr" and v:
        return [("email", v)]
    if t == "file":
        out = []
        for h, hv in (sco.get("hashes") or {}).items():
            k = h.lower().replace("-", "")
            if k in ("md5", "sha1", "sha256"):
                out.append((k, hv))
        return out
    if t == "network-traffic":
        out = []
        for ref in ("src_ref", "dst_ref"):
            r = sco.get(ref)
            if r and r in lookup and lookup[r].get("type") != "network-traffic":
                out.extend(_sco_values(lookup[r], lookup))
        http = (sco.get("extensions") or {}).get("http-request-ext") or {}
        if http.get("request_value"):
            out.append(("uri", http["request_value"]))
        ua = (http.get("request_header") or {}).get("User-Agent")
        if ua:
            out.append(("user_agent", ua))
        return out
    return []


# ------------------------------------------------------------------------------ column roles

_ROLE_NAMES: dict[str, str] = {
    **dict.fromkeys(("src_ip", "dst_ip", "client_ip", "server_ip", "ip", "remote_addr", "remote_ip", "srcip", "dstip",
                     "x_forwarded_for", "forwarded_for", "xff", "src", "dst"), "ip"),
    **dict.fromkeys(("domain", "fqdn", "sni", "server_name", "hostname", "qname", "dns_query", "query_name"), "domain"),
    **dict.fromkeys(("url", "uri", "request", "referrer", "referer", "query", "message", "msg", "cmdline", "command"), "text"),
    **dict.fromkeys(("user_agent", "useragent", "http_user_agent", "agent"), "user_agent"),
    **dict.fromkeys(("user", "email", "sender", "recipient", "mail_from", "rcpt_to", "from", "to", "account"), "email"),
    **dict.fromkeys(("md5", "sha1", "sha256", "hash", "file_hash", "sha256_hash"), "hash"),
}


def _role_of(name: str) -> str | None:
    n = name.lower()
    if n in _ROLE_NAMES:
        return _ROLE_NAMES[n]
    if n.endswith("_ip") or n.endswith("_addr"):
        return "ip"
    return None


def default_columns(names: Iterable[str]) -> list[tuple[str, str, str | None]]:
    """Which columns :meth:`IocSet.match` reads, and how, from the column names alone:

    * ``ip``: src_ip, dst_ip, client_ip, server_ip, ip, remote_addr, xff, … and any name
      ending in ``_ip`` or ``_addr``;
    * ``domain``: domain, fqdn, sni, server_name, hostname, qname, dns_query (not ``host``:
      in the events schema it is the device that wrote the line);
    * ``text``: url, uri, request, referrer/referer, query, message, msg, cmdline;
      ``message`` is skipped on rows where ``url`` is set (an access log's message repeats
      its request line);
    * ``user_agent``: user_agent, useragent, http_user_agent, agent;
    * ``email``: user, email, sender, recipient, mail_from, rcpt_to, from, to, account;
    * ``hash``: md5, sha1, sha256, hash, file_hash.

    Returns ``(column, role, unless)`` triples."""
    names = list(names)
    out = []
    for c in names:
        r = _role_of(c)
        if r is None:
            continue
        unless = "url" if c == "message" and "url" in names else None
        out.append((c, r, unless))
    return out


def first_last_seen(hits: pl.DataFrame, by: Iterable[str] = ("ioc",)) -> pl.DataFrame:
    """Per group of ``by`` (default: per indicator; any hit column can be added, e.g.
    ``["ioc", "src_ip"]``): ``ioc_kind`` (when ``ioc`` is a key), ``first_seen`` and
    ``last_seen`` (min and max ``ts``), ``hits`` (hit count), ``rows`` (distinct rows),
    ``hosts`` (distinct non-null ``host``), ``columns`` (the columns that matched, sorted).
    Sorted by first_seen, then the keys."""
    keys = list(by)
    missing = [k for k in keys if k not in hits.columns]
    if missing:
        raise ValueError(f"no column {missing[0]!r} in the hits (columns: {', '.join(hits.columns)})")
    aggs = []
    if "ioc" in keys and "ioc_kind" not in keys:
        aggs.append(pl.col("ioc_kind").first())
    aggs += [
        pl.col("ts").min().alias("first_seen"),
        pl.col("ts").max().alias("last_seen"),
        pl.len().cast(pl.UInt64).alias("hits"),
        pl.col("row").n_unique().cast(pl.UInt64).alias("rows"),
        pl.col("host").drop_nulls().n_unique().cast(pl.UInt64).alias("hosts"),
        pl.col("column").unique().sort().alias("columns"),
    ]
    return hits.group_by(keys).agg(aggs).sort(["first_seen", *keys], nulls_last=True)
