"""netfilter, pfSense and Cisco ASA: golden files, detection, traps and counts."""

from __future__ import annotations

import pytest

import veilleur as vl

import _golden
from conftest import GOLDEN

FORMATS = ("netfilter", "pfsense", "cisco_asa")


@pytest.mark.parametrize("log", _golden.cases("netfilter"), ids=lambda p: p.stem)
def test_golden_netfilter(log):
    _golden.check("netfilter", log)


@pytest.mark.parametrize("log", _golden.cases("pfsense"), ids=lambda p: p.stem)
def test_golden_pfsense(log):
    _golden.check("pfsense", log)


@pytest.mark.parametrize("log", _golden.cases("cisco_asa"), ids=lambda p: p.stem)
def test_golden_cisco_asa(log):
    _golden.check("cisco_asa", log)
