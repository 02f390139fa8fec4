"""veilleur: incident-response log parsing into Arrow, in Rust, on all cores.

>>> import veilleur as vl
>>> bundle = vl.read("collect/")          # a file, a folder, a glob, or a list
>>> bundle.summary                        # one row per file, with SHA-256 and counts
>>> bundle["zimbra_access"]               # one format's typed table (polars)
>>> bundle.events                         # every row in the normalised schema
>>> vl.window_join(hits, bundle.events, left_on="dst_ip", right_on="src_ip", within="30m")
"""

from __future__ import annotations

from ._errors import ParseError, VeilleurError
from ._read import Bundle, Report, formats, iter_batches, read, read_arrow
from .correlate import beacons, count_window, sequence, window_join
from .ioc import IocSet, first_last_seen

__version__ = "0.1.0"

__all__ = [
    "Bundle",
    "IocSet",
    "ParseError",
    "Report",
    "VeilleurError",
    "beacons",
    "count_window",
    "first_last_seen",
    "formats",
    "iter_batches",
    "read",
    "read_arrow",
    "sequence",
    "window_join",
]
