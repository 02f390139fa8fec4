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
import datetime as dt
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
import pyarrow.compute as pc

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
    "ip_address": "ip", "ipaddress": "ip", "domain_name": "domain", "hostname|port": "domain",
    "filehash-md5": "md5", "filehash-sha1": "sha1", "filehash-sha256": "sha256",
    "md5_hash": "md5", "sha1_hash": "sha1", "sha256_hash": "sha256",
    # a hash of unknown algorithm: md5, sha1 or sha256 by its length
    "hash": "hash", "filehash": "hash", "file_hash": "hash",
    "http_status": None, "zip_entry": None, "dir": None, "process": None, "file_modified": None,
    "regkey": None, "mutex": None, "yara": None, "sigma": None, "snort": None, "sha512": None, "sha-512": None,
    "filehash-sha512": None, "filehash-pehash": None, "filehash-imphash": None, "imphash": None, "ssdeep": None,
    "cve": None, "ja3": None, "filepath": None,
}
_NO_TYPE = object()


def _type_alias(name: Any) -> str | None | object:
    """The kind a type name maps to (``"hash"``: by length), ``None`` (recognised, not
    matchable), or ``_NO_TYPE``. Case is ignored, and ``IP Address`` is ``ip_address``."""
    key = str(name).strip().lower()
    if key in TYPE_ALIASES:
        return TYPE_ALIASES[key]
    return TYPE_ALIASES.get(_norm_name(key), _NO_TYPE)


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

    **Loading.** ``IocSet(values)`` takes one string, an iterable of strings (kind guessed,
    or ``kind``) or of mappings with a value key (``value``, ``indicator``, ``ioc``… as CSV
    headers) and optionally ``type``/``kind``, ``description``, ``tags``, ``source``,
    ``first_seen``, or one mapping of types to values (``{"ip": [...], "domain": [...]}``;
    an unknown type's values are reported in :attr:`invalid`); anything else raises
    TypeError. :meth:`from_file` picks :meth:`from_csv` (``.csv``/``.tsv``),
    :meth:`from_stix` or :meth:`from_misp` (``.json``, by content) or :meth:`from_text`.
    Entries that cannot be used are listed in :attr:`invalid` (file, line, value, reason),
    never raised; a file that is not what its loader reads (a CSV header without a value
    column, JSON that is neither STIX nor MISP) raises ValueError. Type names are veilleur's
    kinds or aliases (MISP types, ``ipv4``, ``IP Address``, ``hostname``, ``FQDN``, OTX's
    ``FileHash-SHA256``…, case ignored); ``hash`` is md5/sha1/sha256 by its length.
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
    name ending in a letter label domain (``evil.com:8080`` too: the port is dropped and not
    matched, as for ``ip:port``), ``host/path`` url, anything else string. A name whose last
    label is an executable, script, web-page, archive or document extension that is not a
    delegated TLD (``cmd.exe``, ``shell.aspx``, ``index.php``, ``payload.ps1``, ``lib.dll``)
    is a file name: string; so are ``x.sh`` and ``poc.py`` although ``sh`` and ``py`` are
    TLDs (in IR lists they are scripts; give the type ``domain`` for such a domain), while
    ``pl``, ``so``, ``zip``, ``app``… names stay domains.

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
        iocs: str | Iterable[str | Mapping[str, Any]] | Mapping[str, Any] = (),
        *,
        kind: str | None = None,
        source: str | None = None,
    ) -> None:
        self._entries: dict[tuple[str, str], Indicator] = {}
        self._invalid: list[Invalid] = []
        self._matcher: _core.RawIocMatcher | None = None
        self._frame: pl.DataFrame | None = None
        if isinstance(iocs, str):
            iocs = [iocs]
        elif isinstance(iocs, Mapping):
            if not _is_entry(iocs):
                self._add_kind_map(iocs, source)
                return
            iocs = [iocs]
        elif isinstance(iocs, (bytes, bytearray)) or not isinstance(iocs, Iterable):
            raise TypeError(
                "IocSet takes a string, an iterable of strings or mappings, or a mapping of kind to values "
                f"(e.g. {{'ip': ['203.0.113.7']}}), not {type(iocs).__name__}"
            )
        for i, item in enumerate(iocs):
            if isinstance(item, str):
                self.add(item, kind=kind, source=source, line=i + 1)
            elif isinstance(item, Mapping):
                e = {_norm_name(str(k)): v for k, v in item.items()}
                value = next((e[k] for k in _VALUE_COLUMNS if e.get(k) not in (None, "")), "")
                self.add(
                    str(value),
                    kind=next((e[k] for k in _TYPE_COLUMNS if e.get(k)), None) or kind,
                    description=e.get("description") or e.get("comment") or e.get("context"),
                    tags=e.get("tags"),
                    source=e.get("source") or source,
                    first_seen=e.get("first_seen"),
                    line=i + 1,
                )
            else:
                self._invalid.append(Invalid(None, i + 1, repr(item), f"not a string or a mapping ({type(item).__name__})"))

    def _add_kind_map(self, kinds: Mapping[Any, Any], source: str | None) -> None:
        """``{kind: values}``: each key a kind or a known type name, each value a string or an
        iterable of strings."""
        if kinds and all(_type_alias(k) is _NO_TYPE for k in kinds):
            raise ValueError(
                f"a mapping given to IocSet is one indicator (a key among {', '.join(_VALUE_COLUMNS)}) or "
                f"indicator types mapped to values (e.g. {{'ip': [...], 'domain': [...]}}); got keys: "
                f"{', '.join(map(str, kinds))}"
            )
        for k, values in kinds.items():
            if isinstance(values, str):
                values = [values]
            elif isinstance(values, (bytes, bytearray, Mapping)) or not isinstance(values, Iterable):
                self._invalid.append(Invalid(None, None, repr(values), f"the values of {k!r} are not a string or a list of strings"))
                continue
            for i, v in enumerate(values):
                if isinstance(v, str):
                    self.add(v, str(k), source=source, line=i + 1)
                else:
                    self._invalid.append(Invalid(None, i + 1, repr(v), f"not a string ({type(v).__name__}) in the values of {k!r}"))

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
            mapped = _type_alias(kind)
            if mapped is _NO_TYPE:
                self._invalid.append(Invalid(file, line, raw, f"unknown indicator type {kind!r}"))
                return False
            if mapped is None:
                self._invalid.append(Invalid(file, line, raw, f"indicator type {kind!r} cannot be matched in logs"))
                return False
            if "|" in key and "|" in value:  # ip-dst|port, hostname|port, filename|sha256
                left, _, right = value.partition("|")
                value = left if key.endswith("|port") or key.startswith("ip") else right
            kind = str(mapped)
        if not value or not value.strip():
            self._invalid.append(Invalid(file, line, raw, "empty value"))
            return False
        if kind == "hash":
            kind = _core.guess_ioc_kind(value.strip())
            if kind not in ("md5", "sha1", "sha256"):
                self._invalid.append(Invalid(file, line, raw, "a hash must be 32, 40 or 64 hexadecimal digits (md5, sha1, sha256)"))
                return False
        try:
            value = _to_ascii(kind, value)
        except UnicodeError as e:
            self._invalid.append(Invalid(file, line, raw, f"IDNA conversion failed: {e}"))
            return False
        if kind is None:
            kind = _core.guess_ioc_kind(value)
        if kind == "domain":  # evil.com:8080: the host (the port is not matched, as for ip:port)
            host, sep, port = _core.refang(value).rpartition(":")
            if sep and port.isdigit() and len(port) <= 5 and int(port) <= 65535 and ":" not in host:
                value = host
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
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        to_ids_only: bool = True,
        include_expired: bool = False,
        **kw: Any,
    ) -> IocSet:
        """Load a file by its extension and content: ``.csv``/``.tsv`` → :meth:`from_csv`;
        ``.json`` → :meth:`from_stix` for STIX 2.1 (a bundle, a list of STIX objects or one
        object), :meth:`from_misp` for a MISP export, else ValueError; anything else →
        :meth:`from_text`. ``to_ids_only`` goes to :meth:`from_misp`, ``include_expired``
        to :meth:`from_stix` (the other loaders ignore them); other keywords go to the loader."""
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix in (".csv", ".tsv"):
            return cls.from_csv(p, **kw)
        if suffix == ".json":
            text, doc = _read_json(p)
            fmt = _json_format(doc)
            if fmt == "stix":
                return cls._load_stix(p, text, doc, include_expired=include_expired, **kw)
            if fmt == "misp":
                return cls._load_misp(p, text, doc, to_ids_only=to_ids_only, **kw)
            raise ValueError(f"{p}: {_JSON_EXPECTED}")
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
        """CSV/TSV with a header naming the value column (``value``, ``indicator``,
        ``indicator_value``, ``ioc``, ``ioc_value``, ``observable``, ``observable_value`` or
        ``data``; case, spaces and ``-`` ignored: ``Indicator Value`` is ``indicator_value``)
        and optionally ``type`` (``indicator_type``, ``ioc_type``, ``observable_type``,
        ``kind``; guessed per row when absent or empty; ``hash`` is md5/sha1/sha256 by its
        length), ``description`` (``context``, ``comment``), ``tags`` (separated by ``,``
        ``;`` or ``|``), ``source``, ``first_seen`` and ``confidence`` (kept as a
        ``confidence:<value>`` tag).

        The delimiter (unless given) is sniffed from the header line among tab, ``;``, ``,``
        and ``|`` (a tab for ``.tsv``): the one that gives a value column, else the one that
        splits the line into column names. A header of several column names without a value
        column raises ValueError (naming the columns found and the accepted names). A file
        without a header is read as one value per row (first column); a one-column file
        whose first line is a header word (``value``, ``ioc``, ``indicators``, ``domain``,
        ``ips``…) skips it. Lines starting with ``#`` are skipped; the line reported for an
        invalid entry is the line in the file where its row starts."""
        s = cls()
        fname = os.fspath(path)
        src = source or Path(path).name
        text = Path(path).read_text(encoding="utf-8-sig")
        lines = text.split("\n")
        first = next((ln.rstrip("\r") for ln in lines if ln.strip() and not ln.startswith("#")), "")
        if delimiter is None:
            delimiter = "\t" if fname.lower().endswith(".tsv") else _sniff_delimiter(first)
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        rows: list[tuple[int, list[str]]] = []
        end = 0
        for row in reader:
            rows.append((end + 1, row))  # the physical line where the row starts
            end = reader.line_num
        rows = [(n, r) for n, r in rows if any(c.strip() for c in r) and not r[0].startswith("#")]
        if not rows:
            return s
        header_cells = rows[0][1]
        head = [_norm_name(h) for h in header_cells]

        def col(names: Iterable[str]) -> int | None:
            for nm in names:
                if nm in head:
                    return head.index(nm)
            return None

        iv = col(_VALUE_COLUMNS)
        if iv is None:
            if len(head) > 1 and _looks_like_header(head):
                raise ValueError(
                    f"{fname}: no value column in the header ({', '.join(h.strip() for h in header_cells)}); "
                    f"name the indicators' column one of: {', '.join(_VALUE_COLUMNS)}"
                )
            if len(head) == 1 and head[0] in _SINGLE_HEADERS:
                rows = rows[1:]
            for n, row in rows:
                if row[0].strip():
                    s.add(row[0].strip(), source=src, file=fname, line=n)
            return s
        it, idesc = col(_TYPE_COLUMNS), col(("description", "context", "comment", "comments"))
        itags, isrc, ifs = col(("tags", "tag")), col(("source",)), col(("first_seen", "firstseen"))
        iconf = col(("confidence",))

        def get(row: list[str], i: int | None) -> str | None:
            return row[i].strip() if i is not None and i < len(row) and row[i].strip() else None

        for n, row in rows[1:]:
            value = get(row, iv)
            if value is None:
                s._invalid.append(Invalid(fname, n, delimiter.join(row), "no value"))
                continue
            tags = _split_tags(get(row, itags))
            if get(row, iconf):
                tags.append(f"confidence:{get(row, iconf)}")
            s.add(value, get(row, it), description=get(row, idesc), tags=tags,
                  source=get(row, isrc) or src, first_seen=get(row, ifs), file=fname, line=n)
        return s

    @classmethod
    def from_stix(
        cls, path: str | os.PathLike[str], *, source: str | None = None, include_expired: bool = False
    ) -> IocSet:
        """STIX 2.1: a bundle, a JSON list of STIX objects or a single object.

        ``indicator`` objects with STIX patterns: every ``=`` comparison (and each value of
        ``IN ('a', 'b')``) of ``ipv4-addr:value``, ``ipv6-addr:value``, ``domain-name:value``,
        ``url:value``, ``email-addr:value``, ``file:hashes.'MD5'|'SHA-1'|'SHA-256'``,
        ``file:name``, ``network-traffic:dst_ref.value``/``src_ref.value``, the HTTP
        extension's ``request_value`` and ``User-Agent`` header, joined by ``OR``/``AND``;
        ``ISSUBSET 'net/len'`` on an address gives a cidr. Comparisons that only constrain a
        type or protocol (``network-traffic:dst_ref.type = 'ipv4-addr'``) are accepted
        silently; other operators, negations and properties are reported in :attr:`invalid`.
        Indicators that are ``revoked`` are not loaded, nor (unless ``include_expired``)
        those whose ``valid_until`` is past; both are reported in :attr:`invalid`.

        ``observed-data``: the SCOs (embedded ``objects`` or ``object_refs`` into the bundle,
        network-traffic ``src_ref``/``dst_ref`` followed); SCO types other than addresses,
        domain names, URLs, e-mail addresses, file hashes and network traffic are reported.

        The line reported is the line where the object starts in the file."""
        text, doc = _read_json(Path(path), "stix", "STIX 2.1 (a bundle, a list of STIX objects or one STIX object)")
        return cls._load_stix(Path(path), text, doc, source=source, include_expired=include_expired)

    @classmethod
    def _load_stix(
        cls, path: Path, text: str, doc: Any, *, source: str | None = None, include_expired: bool = False
    ) -> IocSet:
        fname = os.fspath(path)
        s = cls()
        src_default = source or path.name
        if isinstance(doc, dict) and doc.get("type") == "bundle":
            objects, where = doc.get("objects") or [], "bundle"
        elif isinstance(doc, list):
            objects, where = doc, "list"
        else:
            objects, where = [doc], "object"
        dicts = [o for o in objects if isinstance(o, dict)]
        starts = _json_object_lines(text, where)
        if len(starts) != len(dicts):  # an unusual layout (duplicate keys…): the line of the object's id
            starts = [_line_of_id(text, o.get("id")) for o in dicts]
        by_id = {o.get("id"): o for o in dicts}
        idents = {o["id"]: o.get("name") for o in dicts if o.get("type") == "identity" and "id" in o}
        now = dt.datetime.now(dt.timezone.utc)

        for o, ln in zip(dicts, starts):
            t = o.get("type")
            if t not in ("indicator", "observed-data"):
                continue
            src = idents.get(o.get("created_by_ref")) or src_default
            tags = list(o.get("labels", [])) + list(o.get("indicator_types", []))
            desc = " — ".join(x for x in (o.get("name"), o.get("description")) if x) or None
            shown = o.get("pattern") or o.get("id") or t
            if o.get("revoked") is True:
                s._invalid.append(Invalid(fname, ln, shown, f"{t} revoked by its producer (revoked: true)"))
                continue
            until = _stix_time(o.get("valid_until")) if t == "indicator" else None
            if until is not None and until <= now and not include_expired:
                s._invalid.append(Invalid(fname, ln, shown, f"expired: valid_until {o['valid_until']} is past "
                                                            "(include_expired=True loads it)"))
                continue

            def add(kind: str, value: str, first_seen: Any, ln: int | None = ln) -> None:
                s.add(value, kind, description=desc, tags=tags, source=src, first_seen=first_seen, file=fname, line=ln)

            if t == "indicator":
                if o.get("pattern_type", "stix") != "stix":
                    s._invalid.append(Invalid(fname, ln, o.get("pattern", ""), f"pattern type {o.get('pattern_type')!r} is not supported"))
                    continue
                found = _stix_comparisons(o.get("pattern", ""))
                if all(kind == "" for kind, _, _ in found):
                    s._invalid.append(Invalid(fname, ln, o.get("pattern", ""), "no usable comparison in the pattern"))
                for kind, value, why in found:
                    if kind is None:
                        s._invalid.append(Invalid(fname, ln, value, why))
                    elif kind:
                        add(kind, value, o.get("valid_from"))
            else:
                scos: list[dict[str, Any]] = []
                emb = o.get("objects")
                if isinstance(emb, dict):
                    scos.extend(v for v in emb.values() if isinstance(v, dict))
                    lookup = {**by_id, **emb}
                else:
                    lookup = by_id
                for r in o.get("object_refs", []):
                    if r in by_id:
                        scos.append(by_id[r])
                    else:
                        s._invalid.append(Invalid(fname, ln, str(r), "object_refs names an object that is not in the file"))
                problems: dict[tuple[str, str], None] = {}
                for sco in scos:
                    values, bad = _sco_values(sco, lookup)
                    for kind, value in values:
                        add(kind, value, o.get("first_observed"))
                    problems.update(dict.fromkeys(bad))
                for value, why in problems:
                    s._invalid.append(Invalid(fname, ln, value, why))
        return s

    @classmethod
    def from_misp(
        cls, path: str | os.PathLike[str], *, source: str | None = None, to_ids_only: bool = True
    ) -> IocSet:
        """A MISP export (``{"Event": …}``, a bare event, a list of them, ``{"response": […]}``
        or a restSearch ``{"response": {"Attribute": […]}}``): every attribute of the event
        and of its objects.

        Loaded types: ip-src, ip-dst (cidr when written with ``/``), ip-src|port,
        ip-dst|port and hostname|port (the address or host; the port is not matched),
        domain, hostname, domain|ip (both), url, uri, md5, sha1, sha256,
        filename|md5/sha1/sha256 (the hash), malware-sample (its MD5), filename (a string),
        user-agent, email, email-src, email-dst. Every other type is reported in
        :attr:`invalid`: context types (``text``, ``link``, ``comment``, ``other``,
        ``attachment``, ``vulnerability``…) as context, the rest as not matchable or not
        supported.

        Attributes (or objects) marked ``deleted`` are skipped silently (they are no longer
        part of the event). Attributes whose ``to_ids`` is false are context for analysts,
        not detection: unless ``to_ids_only=False`` they are not loaded and are reported in
        :attr:`invalid` (an attribute without ``to_ids`` is loaded). Tags are the event's and
        the attribute's; the source is the event's creator organisation and ``info``."""
        text, doc = _read_json(Path(path), "misp", 'a MISP export ({"Event": …}, a list of events or {"response": …})')
        return cls._load_misp(Path(path), text, doc, source=source, to_ids_only=to_ids_only)

    @classmethod
    def _load_misp(
        cls, path: Path, text: str, doc: Any, *, source: str | None = None, to_ids_only: bool = True
    ) -> IocSet:
        fname = os.fspath(path)
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
            src = source or " — ".join(x for x in (org, ev.get("info")) if x) or path.name
            ev_tags = [t.get("name") for t in ev.get("Tag", []) if isinstance(t, dict) and t.get("name")]
            attrs = list(ev.get("Attribute", []))
            for obj in ev.get("Object", []):
                if isinstance(obj, dict) and not _misp_bool(obj.get("deleted"), False):
                    attrs.extend(obj.get("Attribute", []))
            for a in attrs:
                if not isinstance(a, dict) or _misp_bool(a.get("deleted"), False):
                    continue
                typ, value = str(a.get("type", "")), str(a.get("value", ""))
                ln = line_of(a.get("uuid"), value)
                key = typ.lower()
                tags = ev_tags + [t.get("name") for t in a.get("Tag", []) if isinstance(t, dict) and t.get("name")]
                kw = dict(description=a.get("comment") or None, tags=tags, source=src, first_seen=a.get("first_seen"), file=fname, line=ln)
                kind = _MISP_TYPES.get(key)
                if key == "malware-sample":  # filename|md5: the MD5, when there is one
                    md5 = value.rpartition("|")[2]
                    kind = "md5" if re.fullmatch(r"[0-9A-Fa-f]{32}", md5.strip()) else None
                if kind is None and key != "domain|ip":
                    if key in _MISP_CONTEXT:
                        why = f"MISP type {typ!r} is context, not an indicator"
                    elif TYPE_ALIASES.get(key, "") is None:
                        why = f"indicator type {typ!r} cannot be matched in logs"
                    else:
                        why = f"MISP type {typ!r} is not supported"
                    s._invalid.append(Invalid(fname, ln, value, why))
                    continue
                if to_ids_only and not _misp_bool(a.get("to_ids"), True):
                    s._invalid.append(Invalid(fname, ln, value, "to_ids is false (context for analysts, not detection): "
                                                                 "from_misp(..., to_ids_only=False) or the CLI's "
                                                                 "--include-context loads it"))
                    continue
                if key == "domain|ip":
                    d, _, ip = value.partition("|")
                    s.add(d, "domain", **kw)
                    s.add(ip, "ip", **kw)
                    continue
                if ("|" in key or key == "malware-sample") and "|" in value:
                    left, _, right = value.partition("|")
                    value = left if key.endswith("|port") else right
                s.add(value, kind, **kw)
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
            null_typed = {f.name for f in table.schema if pa.types.is_null(f.type)}

            def request_lines() -> pl.Series:
                # (only url's validity: its strings need not cross into polars)
                return _request_line_rows(pl.Series(table.column("source")), pl.Series(pc.is_valid(table.column("url"))))
        else:
            if isinstance(table, pl.LazyFrame):
                table = table.collect()
            df = table if isinstance(table, pl.DataFrame) else pl.DataFrame(table)
            names = df.columns
            null_typed = {c for c, t in df.schema.items() if t == pl.Null}
            dictionaries: dict = {}

            def select(cols: list[str]) -> pa.Table:
                return polars_table(df.select(cols), dictionaries)

            def request_lines() -> pl.Series:
                return _request_line_rows(df["source"], df["url"].is_not_null())
        if columns is None:
            specs = default_columns(names)
        elif isinstance(columns, Mapping):
            specs = [(c, "text" if r == "url" else r, None) for c, r in columns.items()]
        else:
            specs = [(c, _role_of(c) or "text", None) for c in ([columns] if isinstance(columns, str) else columns)]
        missing = [c for c, _, _ in specs if c not in names]
        if missing:
            raise ValueError(f"no column {missing[0]!r} in the table (columns: {', '.join(names)})")
        specs = [sp for sp in specs if sp[0] not in null_typed]  # all null: nothing to match

        def crossing(c: str, u: str | None) -> pa.Table:
            if u == _REQUEST_LINE:
                mask = request_lines()
                return pa.table({c: select([c]).column(0), _REQUEST_LINE: pa.chunked_array(mask)})
            return select(list(dict.fromkeys([c] + ([u] if u else []))))
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
        tables = (arrow_source(t, "table") for t in [*(crossing(c, u) for c, _, u in specs), *(select([c]) for c in present)])
        raw = pl.DataFrame(self._compiled().match_tables(tables, specs, len(present)))
        iocs = self.to_frame().drop("first_seen")
        out = pl.concat([raw.drop("ioc"), iocs.select(pl.all().gather(raw["ioc"])).drop("ioc_id")], how="horizontal")
        out = out.with_columns([pl.lit(None, dtype=t).alias(c) for c, t in prov_types.items() if c not in names])
        return out.select(*prov_types, *keep_cols, "row", "column", "value", "matched",
                          "ioc", "ioc_kind", "description", "tags", "ioc_source")


# ----------------------------------------------------------------------------- loader helpers

#: names of the value column (CSV headers, keys of a mapping), most specific first
_VALUE_COLUMNS = ("value", "indicator_value", "ioc_value", "observable_value", "indicator", "ioc", "observable", "data")
#: names of the type column
_TYPE_COLUMNS = ("type", "indicator_type", "ioc_type", "observable_type", "kind", "type_of_indicator")
#: other column names that make a first row a header
_OTHER_COLUMNS = {
    "description", "context", "comment", "comments", "tags", "tag", "source", "first_seen", "firstseen", "last_seen",
    "confidence", "date", "id", "uuid", "category", "threat", "threat_type", "reference", "references", "note", "notes",
    "name", "malware", "severity", "tlp", "to_ids", "created", "modified", "expiration", "valid_until",
}
#: a one-column file whose first line is one of these has a header
_SINGLE_HEADERS = (
    set(_VALUE_COLUMNS) | {k for k, v in TYPE_ALIASES.items() if v} | {"iocs", "indicators", "observables", "values", "ips",
    "ip_addresses", "addresses", "domains", "hostnames", "hosts", "urls", "uris", "hashes", "md5s", "sha1s", "sha256s",
    "emails", "cidrs", "networks", "subnets"}
)


def _norm_name(h: str) -> str:
    """A column or key name compared: lower-case, trimmed, spaces and ``-`` as ``_``."""
    return re.sub(r"[\s-]+", "_", h.strip().lower())


def _looks_like_header(head: list[str]) -> bool:
    """Normalised cells that name columns rather than hold indicators."""
    known = set(_VALUE_COLUMNS) | set(_TYPE_COLUMNS) | _OTHER_COLUMNS
    return any(h in known for h in head) or all(re.fullmatch(r"[a-z][a-z0-9_()]*", h) for h in head)


def _sniff_delimiter(line: str) -> str:
    """The delimiter of a CSV header line among tab, ``;``, ``,`` and ``|``: the first that
    gives a value column, else the first that splits the line into column names, else a tab
    when there is one, else a comma."""
    header_like = None
    for d in ("\t", ";", ",", "|"):
        cells = next(csv.reader([line], delimiter=d), [])
        if len(cells) < 2:
            continue
        head = [_norm_name(c) for c in cells]
        if any(h in _VALUE_COLUMNS for h in head):
            return d
        if header_like is None and _looks_like_header(head):
            header_like = d
    return header_like or ("\t" if "\t" in line else ",")


def _is_entry(m: Mapping[Any, Any]) -> bool:
    """A mapping that is one indicator (it has a value key), not kinds mapped to values."""
    return any(_norm_name(str(k)) in _VALUE_COLUMNS for k in m)


_JSON_EXPECTED = (
    "expected STIX 2.1 (a bundle, a list of STIX objects or one object with a \"type\" and a "
    "\"spec_version\" or an \"id\" like \"indicator--…\") or a MISP export ({\"Event\": …}, a list of "
    "events, {\"response\": …})"
)


def _read_json(path: Path, fmt: str | None = None, what: str = "") -> tuple[str, Any]:
    """The text (a UTF-8 BOM dropped) and the parsed document; with ``fmt``, ValueError
    unless the document is that format (see :func:`_json_format`), ``what`` saying which."""
    text = path.read_text(encoding="utf-8-sig")
    doc = json.loads(text)
    if fmt is not None and _json_format(doc) != fmt:
        raise ValueError(f"{os.fspath(path)}: not {what}")
    return text, doc


def _is_stix_object(o: Any) -> bool:
    if not isinstance(o, dict) or not isinstance(o.get("type"), str):
        return False
    return "spec_version" in o or str(o.get("id", "")).startswith(o["type"] + "--")


def _is_misp(o: Any) -> bool:
    if not isinstance(o, dict):
        return False
    if isinstance(o.get("Event"), dict):
        return True
    return isinstance(o.get("Attribute"), list) or isinstance(o.get("Object"), list)


def _json_format(doc: Any) -> str | None:
    """``"stix"``, ``"misp"`` or ``None`` (neither)."""
    if isinstance(doc, dict):
        if doc.get("type") == "bundle" or _is_stix_object(doc):
            return "stix"
        if "response" in doc:
            r = doc["response"]
            return "misp" if (isinstance(r, list) and all(_is_misp(e) for e in r)) or _is_misp(r) else None
        return "misp" if _is_misp(doc) else None
    if isinstance(doc, list):
        if not doc:
            return "misp"  # an empty search result
        if all(_is_stix_object(o) for o in doc):
            return "stix"
        if all(_is_misp(o) for o in doc):
            return "misp"
    return None


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?|[{}\[\]]')


def _json_object_lines(text: str, where: str) -> list[int]:
    """The line where each object of a STIX document starts: the elements of a bundle's
    ``objects``, of a top-level list, or the single top-level object."""
    out: list[int] = []
    stack: list[tuple[str, str | None]] = []
    key: str | None = None
    line, pos = 1, 0
    for m in _JSON_TOKEN.finditer(text):
        tok = m.group(0)
        if tok[0] == '"':
            key = tok if m.group(1) else None
            continue
        if tok in "{[":
            if tok == "{" and (
                (where == "bundle" and len(stack) == 2 and stack[1] == ("[", '"objects"'))
                or (where == "list" and len(stack) == 1 and stack[0][0] == "[")
                or (where == "object" and not stack)
            ):
                line += text.count("\n", pos, m.start())
                pos = m.start()
                out.append(line)
            stack.append((tok, key))
        elif stack:
            stack.pop()
        key = None
    return out


def _line_of_id(text: str, oid: Any) -> int | None:
    """The line of an object's own ``"id": "…"`` (not of a reference to it)."""
    m = re.search(r'"id"\s*:\s*' + re.escape(json.dumps(oid)), text) if isinstance(oid, str) else None
    return text.count("\n", 0, m.start()) + 1 if m else None


def _stix_time(v: Any) -> dt.datetime | None:
    """A STIX timestamp (``2020-02-01T00:00:00Z``, fractions allowed) in UTC; None when unreadable."""
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?Z", v) if isinstance(v, str) else None
    if not m:
        return None
    return dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)


def _misp_bool(v: Any, default: bool) -> bool:
    """MISP booleans: true/false, 1/0, "1"/"0", "true"/"false"."""
    if v is None or v == "":
        return default
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes")
    return bool(v)


#: MISP attribute types loaded, and the kind of the value (of its matched part for
#: ``a|b`` types); ``domain|ip`` and ``malware-sample`` are handled by the loader
_MISP_TYPES: dict[str, str] = {
    "ip-src": "ip", "ip-dst": "ip", "ip-src|port": "ip", "ip-dst|port": "ip",
    "domain": "domain", "hostname": "domain", "hostname|port": "domain",
    "url": "url", "uri": "uri", "md5": "md5", "sha1": "sha1", "sha256": "sha256",
    "filename|md5": "md5", "filename|sha1": "sha1", "filename|sha256": "sha256", "filename": "string",
    "user-agent": "user_agent", "email": "email", "email-src": "email", "email-dst": "email",
}
#: MISP types that describe rather than detect
_MISP_CONTEXT = {
    "text", "link", "comment", "other", "attachment", "malware-sample", "vulnerability", "weakness", "cpe",
    "threat-actor", "campaign-name", "campaign-id", "malware-type", "datetime", "counter", "float", "size-in-bytes",
    "port", "hex", "target-user", "target-email", "target-machine", "target-org", "target-location", "target-external",
    "whois-registrar", "whois-creation-date", "whois-registrant-name", "whois-registrant-org", "anonymised",
}


def _stix_unquote(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s[1:-1])


_STIX_LIT = r"'(?:[^'\\]|\\.)*'"
_STIX_CMP = re.compile(
    r"([a-z0-9-]+):((?:[A-Za-z0-9_\-]+|'[^']*')(?:\.(?:[A-Za-z0-9_\-]+|'[^']*')|\[\d+\]|\[\*\])*)\s*(NOT\s+)?"
    r"(=|!=|LIKE|MATCHES|IN|ISSUBSET|ISSUPERSET|>=|<=|>|<)\s*"
    rf"({_STIX_LIT}|\(\s*{_STIX_LIT}(?:\s*,\s*{_STIX_LIT})*\s*\))",
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
    """Every comparison of a STIX pattern as (kind, value, reason): kind ``None`` when it
    cannot be used (the reason says why), ``""`` for a comparison that only constrains a type
    or protocol (``network-traffic:dst_ref.type = 'ipv4-addr'``), to be skipped silently.
    ``=`` and each value of ``IN (…)`` give their kind; ``ISSUBSET`` on an address a cidr."""
    out: list[tuple[str | None, str, str]] = []
    for m in _STIX_CMP.finditer(pattern):
        obj, path, neg, op, lit = m.groups()
        values = [_stix_unquote(x) for x in re.findall(_STIX_LIT, lit)] if lit.startswith("(") else [_stix_unquote(lit)]
        p = path.replace("'", "").lower()
        if p == "type" or p.endswith(".type") or p.startswith("protocols"):
            out.extend(("", v, "") for v in values)
            continue
        if neg:
            out.extend((None, v, f"negated comparison (NOT {op}) is not an indicator") for v in values)
            continue
        if op == "ISSUBSET" and (
            (obj in ("ipv4-addr", "ipv6-addr") and p == "value")
            or (obj == "network-traffic" and p in ("dst_ref.value", "src_ref.value"))
        ):
            out.extend(("cidr", v, "") for v in values)
            continue
        if op not in ("=", "IN"):
            out.extend((None, v, f"operator {op} is not supported (only =, IN, and ISSUBSET on addresses)") for v in values)
            continue
        for v in values:
            kind, why = _stix_kind(obj, path, v)
            out.append((kind, v, why))
    return out


_SCO_VALUE_KINDS = {"ipv4-addr": "ip", "ipv6-addr": "ip", "domain-name": "domain", "url": "url", "email-addr": "email"}


def _sco_values(sco: Mapping[str, Any], lookup: Mapping[str, Any], depth: int = 0) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The indicators of a STIX cyber-observable as (kind, value), and what could not be
    used as (value, reason)."""
    t = sco.get("type")
    v = sco.get("value")
    if t in _SCO_VALUE_KINDS:
        return ([(_SCO_VALUE_KINDS[t], v)], []) if v else ([], [(str(sco.get("id") or t), f"{t} without a value")])
    if t == "file":
        out, bad = [], []
        for h, hv in (sco.get("hashes") or {}).items():
            k = h.lower().replace("-", "")
            if k in ("md5", "sha1", "sha256"):
                out.append((k, hv))
            else:
                bad.append((str(hv), f"file hash {h} is not supported"))
        if not out and not bad:
            bad.append((str(sco.get("name") or sco.get("id") or t), "file without an MD5, SHA-1 or SHA-256 hash"))
        return out, bad
    if t == "network-traffic" and depth == 0:
        out, bad = [], []
        for ref in ("src_ref", "dst_ref"):
            r = sco.get(ref)
            if r and r in lookup and isinstance(lookup[r], Mapping):
                o, b = _sco_values(lookup[r], lookup, depth + 1)
                out.extend(o)
                bad.extend(b)
        http = (sco.get("extensions") or {}).get("http-request-ext") or {}
        if http.get("request_value"):
            out.append(("uri", http["request_value"]))
        ua = (http.get("request_header") or {}).get("User-Agent")
        if ua:
            out.append(("user_agent", ua))
        return out, bad
    shown = v or sco.get("name") or sco.get("id") or t
    return [], [(str(shown), f"STIX observable type {t!r} is not supported")]


# ------------------------------------------------------------------------------ column roles

_ROLE_NAMES: dict[str, str] = {
    **dict.fromkeys(("src_ip", "dst_ip", "client_ip", "server_ip", "ip", "remote_addr", "remote_ip", "srcip", "dstip",
                     "x_forwarded_for", "forwarded_for", "xff", "src", "dst",
                     # the format tables' own: Zimbra's originating IP, Squid's peer, NAT and
                     # tunnel addresses of the firewalls, CEF's device address
                     "oip", "peer", "remip", "locip", "tunnelip", "transip", "tranip", "src_mapped", "dst_mapped",
                     "nat_src", "nat_dst", "src_pre_nat", "dst_pre_nat", "src_post_nat", "dst_post_nat",
                     "source_translated_address", "destination_translated_address", "modsrc", "origdst", "dvc"), "ip"),
    **dict.fromkeys(("domain", "fqdn", "sni", "server_name", "hostname", "qname", "dns_query", "query_name",
                     "url_host", "cs_host", "shost", "dhost", "dvchost", "srcname", "dstname", "client_host", "ident_host_name"), "domain"),
    **dict.fromkeys(("url", "uri", "request", "referrer", "referer", "query", "message", "msg", "cmdline", "command",
                     "upstream", "thread_url", "via", "relay", "cs_uri", "cs_uri_stem", "cs_uri_path", "cs_uri_query", "cs_referer",
                     "filename", "fname", "file_name", "arg"), "text"),
    **dict.fromkeys(("user_agent", "useragent", "http_user_agent", "agent", "ua", "cs_user_agent", "request_client_application"), "user_agent"),
    **dict.fromkeys(("user", "email", "sender", "recipient", "mail_from", "rcpt_to", "from", "to", "account",
                     "aname", "login", "suser", "duser", "cs_username", "usr_name", "account_name", "src_user", "dst_user",
                     "xauthuser", "unauthuser"), "email"),
    **dict.fromkeys(("md5", "sha1", "sha256", "hash", "file_hash", "sha256_hash", "file_digest"), "hash"),
}


def _role_of(name: str) -> str | None:
    n = name.lower()
    if n in _ROLE_NAMES:
        return _ROLE_NAMES[n]
    if n.endswith("_ip") or n.endswith("_addr"):
        return "ip"
    return None


# the formats whose events `message` is the request line (`"GET /url HTTP/1.1" 200`), which
# repeats `url`
REQUEST_LINE_SOURCES = ("common", "combined", "zimbra_access", "zimbra_nginx")
_REQUEST_LINE = "__veilleur_request_line"


def _request_line_rows(source: pl.Series, has_url: pl.Series) -> pl.Series:
    """True on the rows whose message is an access log's request line (``source`` one of
    :data:`REQUEST_LINE_SOURCES`, ``url`` set), null elsewhere: the engine skips a cell where
    its ``unless`` column is valid."""
    # (a Categorical source is compared as it is: a cast to String would copy 20M strings, 0.4 s)
    repeats = pl.col("source").is_in(REQUEST_LINE_SOURCES) & pl.col("has_url")
    frame = pl.DataFrame({"source": source, "has_url": has_url})
    return frame.select(pl.when(repeats).then(True).alias(_REQUEST_LINE)).to_series()


def default_columns(names: Iterable[str]) -> list[tuple[str, str, str | None]]:
    """Which columns :meth:`IocSet.match` reads, and how, from the column names alone:

    * ``ip``: src_ip, dst_ip, client_ip, server_ip, ip, remote_addr, xff, … and any name
      ending in ``_ip`` or ``_addr``; in the format tables also oip (Zimbra), peer (Squid), the
      firewalls' NAT and tunnel addresses (tranip, src_mapped, nat_src, src_post_nat, …), dvc;
    * ``domain``: domain, fqdn, sni, server_name, hostname, qname, dns_query, url_host,
      cs_host, shost, dhost, srcname, dstname, client_host (not ``host``: in the events schema
      it is the device that wrote the line);
    * ``text``: url, uri, request, referrer/referer, query, message, msg, cmdline, upstream,
      thread_url, via, relay, the W3C cs_uri* columns, filename/fname, arg;
      ``message`` is skipped on the rows of access logs whose ``url`` is set (``source`` one of
      :data:`REQUEST_LINE_SOURCES`: their message is the request line, which repeats the URL);
      a table without ``source`` has its messages read on every row;
    * ``user_agent``: user_agent, useragent, http_user_agent, agent, ua, cs_user_agent;
    * ``email``: user, email, sender, recipient, mail_from, rcpt_to, from, to, account, aname,
      login, suser, duser, cs_username, src_user, dst_user, …;
    * ``hash``: md5, sha1, sha256, hash, file_hash, file_digest.

    Returns ``(column, role, unless)`` triples: the cells of ``column`` are skipped on the rows
    where column ``unless`` is valid, ``unless`` being ``"__veilleur_request_line"`` for
    ``message`` (computed by :meth:`IocSet.match` from ``source`` and ``url``)."""
    names = list(names)
    out = []
    for c in names:
        r = _role_of(c)
        if r is None:
            continue
        unless = _REQUEST_LINE if c == "message" and "url" in names and "source" in names else None
        out.append((c, r, unless))
    return out


def first_last_seen(hits: pl.DataFrame, by: Iterable[str] = ("ioc",)) -> pl.DataFrame:
    """Per group of ``by`` (default: per indicator; any hit column can be added, e.g.
    ``["ioc", "src_ip"]``): ``ioc_kind`` (when ``ioc`` is a key), ``first_seen`` and
    ``last_seen`` (min and max ``ts``), ``hits`` (hit count), ``rows`` (distinct rows),
    ``hosts`` (distinct non-null ``host``: the devices that wrote the lines, null for the
    formats that do not name theirs, such as access logs), ``src_ips`` (distinct non-null
    ``src_ip``, when the hits have it: the clients, or the internal hosts that reached an
    indicator), ``columns`` (the columns that matched, sorted). Sorted by first_seen, then
    the keys."""
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
        *([pl.col("src_ip").drop_nulls().n_unique().cast(pl.UInt64).alias("src_ips")] if "src_ip" in hits.columns else []),
        pl.col("column").unique().sort().alias("columns"),
    ]
    return hits.group_by(keys).agg(aggs).sort(["first_seen", *keys], nulls_last=True)
