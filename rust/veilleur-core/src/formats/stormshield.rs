//! `stormshield`: Stormshield Network Security (SNS) audit logs — WELF-compatible UTF-8 lines
//! of space-separated `field=value` items, values double-quoted when they hold spaces, CRLF
//! endings: `id=firewall time="2024-05-06 09:20:14" fw="SN210W..." tz=+0200 startime="..."
//! pri=5 ... logtype="connection"`. Every family is read (`connection`, `filter`, `alarm`,
//! `web`, `auth`, `system`, `vpn`, `plugin`, the statistics families...): the fields are
//! read by name, never by position.
//!
//! Framing: the line as written on the appliance or exported, or behind a syslog header
//! (RFC 3164, RFC 3339, RFC 5424, or `<PRI>` alone), whose HOSTNAME goes to `syslog_host` —
//! the same framing code as `fortigate` ([`super::fortigate`]).
//!
//! Columns (SNS field names): `ts`, `syslog_host`, then [`COLS`]: ports u16, `sent`/`rcvd`
//! bytes u64, `duration` f64 (seconds, decimal), `pri`/`ipv` u8, `ruleid`/`alarmid` u32,
//! `result` u16 (the HTTP status of `web` lines; other families' non-numeric results go to
//! `extra`), IPs canonical, `time` as written (text), `startime` as a UTC timestamp. Every
//! other field goes to `extra` untouched, the statistics families' odd keys included
//! (`Byte(i/o)=10/20`, `Ethernet0=out,1,2`, `CPU=1,2,3`, `Rule1:2=5`), as do repeats of a typed
//! field, values that do not read as their column's type, bare words before the first pair
//! (key `""`) and, for a line cut inside a quoted value, `_truncated` → the cut key. An empty
//! value (`src= `) is null.
//!
//! Time: `ts` is `time` (the firewall's local time when the line was written, present in every
//! family) with the `tz` offset (`+0200`), exact; `startime` (when the event — for
//! `connection`, the connection — started) is typed with the same offset. Both accept
//! `YYYY-MM-DD HH:MM:SS` and the locale form `M/D/YYYY HH:MM:SS`. Without `tz`, the times are
//! read in `ParseCtx::tz` (UTC when none; counted as local time in the summary). Without a
//! readable `time`, `ts` is `startime`, else the syslog header's stamp.
//!
//! Rejected: a line with no `field=value` pair after its framing.
//!
//! Events: `host` = fw; src/dst ip and port (`src` is the pre-NAT source, post-NAT in
//! `modsrc`; `dst` the post-DNAT destination, pre-DNAT in `origdst`); `proto` = `ipproto`
//! (`proto` is the application); `user`; `action`: `pass` → allow, `block` in any case → deny,
//! empty → null, else the generic vocabulary; `bytes_out` = sent, `bytes_in` = rcvd;
//! `message` = msg; `domain` = dstname when it is a DNS name (not a firewall object such as
//! `Firewall_eth4`), always on `web` lines; on `web` lines `url` = `arg` when absolute, else
//! scheme (https when `proto` is https/ssl) + dstname (else dst) + `arg`, `http_status` =
//! result, `http_method` = op.

use std::sync::{Arc, OnceLock};

use arrow_array::cast::AsArray;
use arrow_array::types::UInt16Type;
use arrow_array::{Array, RecordBatch, UInt16Array};
use arrow_schema::{ArrowError, Field};

use crate::chunk::Chunk;
use crate::time::IsoDateCache;

use super::fortigate::{days, fill_row, frame, has_scheme, join_url, offset, seconds_of_day, to_utc};
use super::kv::Dialect;
use super::ncsa::Span;
use super::normal::{self, get, str_col};
use super::typed::{self, col, Col, KeyIndex, Kind};
use super::{FormatId, ParseCtx, ParsedChunk};
use crate::events::Mapping;

/// The typed columns, in table order (after provenance; `extra` follows).
pub const COLS: &[Col] = &[
    col("ts", Kind::Ts),
    col("syslog_host", Kind::Str),
    col("id", Kind::Str),
    col("time", Kind::Str),
    col("startime", Kind::Ts),
    col("fw", Kind::Str),
    col("tz", Kind::Str),
    col("pri", Kind::U8),
    col("logtype", Kind::Str),
    col("confid", Kind::Str),
    col("slotlevel", Kind::Str),
    col("ruleid", Kind::U32),
    col("rulename", Kind::Str),
    col("srcif", Kind::Str),
    col("srcifname", Kind::Str),
    col("dstif", Kind::Str),
    col("dstifname", Kind::Str),
    col("ipproto", Kind::Str),
    col("proto", Kind::Str),
    col("src", Kind::Ip),
    col("srcport", Kind::U16),
    col("srcportname", Kind::Str),
    col("srcname", Kind::Str),
    col("srcmac", Kind::Str),
    col("srccountry", Kind::Str),
    col("dst", Kind::Ip),
    col("dstport", Kind::U16),
    col("dstportname", Kind::Str),
    col("dstname", Kind::Str),
    col("dstcountry", Kind::Str),
    col("modsrc", Kind::Ip),
    col("modsrcport", Kind::U16),
    col("origdst", Kind::Ip),
    col("origdstport", Kind::U16),
    col("ipv", Kind::U8),
    col("sent", Kind::U64),
    col("rcvd", Kind::U64),
    col("duration", Kind::F64),
    col("action", Kind::Str),
    col("user", Kind::Str),
    col("domain", Kind::Str),
    col("op", Kind::Str),
    col("result", Kind::U16),
    col("arg", Kind::Str),
    col("cat_site", Kind::Str),
    col("msg", Kind::Str),
    col("class", Kind::Str),
    col("classification", Kind::Str),
    col("alarmid", Kind::U32),
    col("risk", Kind::Str),
    col("service", Kind::Str),
    col("method", Kind::Str),
    col("error", Kind::Str),
];

const TS: usize = 0;
const SYSLOG_HOST: usize = 1;
const TIME: usize = 3;
const STARTIME: usize = 4;
const TZ: usize = 6;

fn keys() -> &'static KeyIndex {
    static KEYS: OnceLock<KeyIndex> = OnceLock::new();
    KEYS.get_or_init(|| {
        let k: Vec<(&'static str, usize)> = COLS.iter().enumerate().filter(|(i, _)| *i > SYSLOG_HOST).map(|(i, c)| (c.name, i)).collect();
        KeyIndex::new(&k)
    })
}

/// The table's columns after provenance.
pub fn fields() -> Vec<Field> {
    typed::fields(COLS, true)
}

/// Whether `line` is a Stormshield record (detection): its body starts with `id=firewall` and
/// has a `time=` field.
pub fn matches(line: &[u8]) -> bool {
    let Some(f) = frame(line) else { return false };
    let body = &line[f.body..f.end];
    body.starts_with(b"id=firewall ") && memchr::memmem::find(body, b" time=").is_some()
}

/// `YYYY-MM-DD HH:MM:SS` or `M/D/YYYY HH:MM:SS` → local wall-clock microseconds.
fn local_micros(dates: &mut IsoDateCache, b: &[u8]) -> Option<i64> {
    let sp = memchr::memchr(b' ', b)?;
    let d = days(dates, &b[..sp])?;
    let s = seconds_of_day(&b[sp + 1..])?;
    Some((d * 86_400 + s) * 1_000_000)
}

/// Parse a chunk of Stormshield lines.
pub fn parse_chunk(chunk: Chunk, ctx: &ParseCtx) -> ParsedChunk {
    let keys = keys();
    let mut dates = IsoDateCache::default();
    typed::parse_clocked_rows(chunk, ctx, COLS, true, |row, clock, line| {
        let f = frame(line).ok_or("no field=value body (not a Stormshield record)")?;
        if let Some(h) = f.host {
            row.str(SYSLOG_HOST, h);
        }
        let (mut time, mut startime, mut tz): (Option<Span>, Option<(Span, Span)>, Option<Span>) = (None, None, None);
        let n = fill_row(row, line, &f, Dialect::SPACED, keys, |row, c, p| {
            let nonempty = p.value.1 > p.value.0;
            match c {
                TIME if time.is_none() && nonempty => time = Some(p.value),
                TZ if tz.is_none() && nonempty => tz = Some(p.value),
                STARTIME => {
                    if startime.is_none() && nonempty && !row.is_set(STARTIME) {
                        startime = Some((p.key, p.value));
                    } else if nonempty {
                        row.extra(p.key, Some(p.value));
                    }
                    return true;
                }
                _ => {}
            }
            false
        });
        if n == 0 {
            return Err("no field=value pair (not a Stormshield record)".into());
        }
        let off = tz.and_then(|(a, b)| offset(&line[a..b]));
        let mut utc = |s: Span| local_micros(&mut dates, &line[s.0..s.1]).map(|l| to_utc(l, off, clock));
        let start = match startime {
            Some((k, v)) => {
                let t = utc(v);
                match t {
                    Some(t) => row.set_ts(STARTIME, t),
                    None => row.extra(k, Some(v)),
                }
                t
            }
            None => None,
        };
        let ts = match time.and_then(&mut utc) {
            Some(t) => Some(t),
            None => start.or_else(|| f.stamp.and_then(|s| clock.utc(s).ok().flatten())),
        };
        if let Some(t) = ts {
            row.set_ts(TS, t);
        }
        Ok(())
    })
}

/// The Stormshield meaning of `action`: `pass` → allow, `block` (any case) → deny, else the
/// generic vocabulary.
pub fn action(raw: &str) -> Option<&'static str> {
    let t = raw.trim();
    if t.eq_ignore_ascii_case("pass") {
        Some("allow")
    } else if t.eq_ignore_ascii_case("block") {
        Some("deny")
    } else {
        normal::action(t)
    }
}

/// Whether a name is a DNS host name (`www.example.com`), not a firewall object
/// (`Firewall_eth4`, `Internet`) nor an address.
fn is_dns_name(s: &str) -> bool {
    s.contains('.')
        && !s.ends_with('.')
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
        && !s.bytes().all(|c| c.is_ascii_digit() || c == b'.')
}

/// The table's rows as normalised events.
pub fn events(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let n = batch.num_rows();
    let s = |name| str_col(batch, name);
    let (logtype, dstname, dst, arg, proto, op) = (s("logtype")?, s("dstname")?, s("dst")?, s("arg")?, s("proto")?, s("op")?);
    let web = |i: usize| get(logtype, i) == Some("web");
    let ipproto = s("ipproto")?;
    let proto_col = normal::strings(n, |i| get(ipproto, i).and_then(normal::proto));
    let act = s("action")?;
    let action_col = normal::strings(n, |i| get(act, i).and_then(action));
    let domain = normal::strings(n, |i| get(dstname, i).filter(|d| web(i) || is_dns_name(d)));
    let url = normal::strings(n, |i| {
        if !web(i) {
            return None;
        }
        let a = get(arg, i)?;
        if has_scheme(a) {
            return Some(a.to_string());
        }
        let host = get(dstname, i).or_else(|| get(dst, i))?;
        let https = get(proto, i).is_some_and(|p| p.eq_ignore_ascii_case("https") || p.eq_ignore_ascii_case("ssl"));
        Some(join_url(if https { "https" } else { "http" }, host, a))
    });
    let method = normal::strings(n, |i| get(op, i).filter(|_| web(i)));
    let result = batch
        .column_by_name("result")
        .map(|a| a.as_primitive::<UInt16Type>().clone())
        .ok_or_else(|| ArrowError::SchemaError("no column result".into()))?;
    let status: UInt16Array = (0..n).map(|i| (web(i) && result.is_valid(i)).then(|| result.value(i))).collect();
    Mapping::new(batch)
        .take("host", "fw")
        .take("src_ip", "src")
        .take("src_port", "srcport")
        .take("dst_ip", "dst")
        .take("dst_port", "dstport")
        .set("proto", proto_col)
        .take("user", "user")
        .set("action", action_col)
        .set("http_method", method)
        .set("url", url)
        .set("domain", domain)
        .set("http_status", Arc::new(status))
        .take("bytes_out", "sent")
        .take("bytes_in", "rcvd")
        .take("message", "msg")
        .build(FormatId::Stormshield)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing;
    use arrow_array::types::{Float64Type, UInt64Type, UInt8Type};

    testing::format_test_helpers!(parse_chunk, COLS);

    #[test]
    fn constants_match_columns() {
        for (k, i) in [("ts", TS), ("syslog_host", SYSLOG_HOST), ("time", TIME), ("startime", STARTIME), ("tz", TZ)] {
            assert_eq!(typed::index(COLS, k), i, "{k}");
        }
    }

    #[test]
    fn alarm_with_blanked_ips_crlf() {
        let l = "id=firewall time=\"2017-02-03 12:21:51\" fw=\"THS\" tz=+0000 startime=\"2017-02-03 12:21:50\" pri=4 confid=00 srcif=\"Ethernet6\" srcifname=\"eth4\" ipproto=icmp icmptype=3 icmpcode=10 proto=icmp src= srcmac=00:00:00:19:77:c0 dst= dstname=Firewall_eth4 ipv=4 action=block msg=\"Message ICMP invalide (out of TCP sequence)\" class=protocol classification=0 alarmid=67 logtype=\"alarm\"\r\n";
        assert!(matches(l.trim_end().as_bytes()));
        let p = parse(l, None);
        assert_eq!(p.rows(), 1, "{:?}", p.rejects);
        assert_eq!(ts(&p, "ts", 0), Some(1_486_124_511_000_000));
        assert_eq!(ts(&p, "startime", 0), Some(1_486_124_510_000_000));
        assert_eq!(s(&p, "src", 0), None);
        assert_eq!(s(&p, "logtype", 0).as_deref(), Some("alarm"));
        assert_eq!(s(&p, "msg", 0).as_deref(), Some("Message ICMP invalide (out of TCP sequence)"));
        assert_eq!(c(&p, "pri").as_primitive::<UInt8Type>().value(0), 4);
        assert_eq!(extra(&p, 0), vec![("icmptype".into(), Some("3".into())), ("icmpcode".into(), Some("10".into()))]);
        assert_eq!(p.local_times, 0);
    }

    #[test]
    fn connection_nat_offset_and_duration() {
        let l = r#"id=firewall time="2024-05-06 09:20:14" fw="SN210W0000000000" tz=+0200 startime="2024-05-06 09:19:58" pri=5 confid=01 slotlevel=2 ruleid=9 rulename="web_out" srcif="Ethernet1" srcifname="in" ipproto=tcp dstif="Ethernet0" dstifname="out" proto=http src=10.20.30.41 srcport=51602 srcportname=ephemeral_fw_tcp dst=198.51.100.140 dstport=80 dstportname=http dstname=www.example.com modsrc=203.0.113.201 modsrcport=51602 origdst=198.51.100.140 origdstport=80 ipv=4 sent=1432 rcvd=20488 duration=16.12 action=pass logtype="connection""#;
        let p = parse(l, None);
        // 09:20:14 +0200 = 07:20:14Z
        assert_eq!(ts(&p, "ts", 0), Some(1_714_980_014_000_000));
        assert_eq!(ts(&p, "startime", 0), Some(1_714_979_998_000_000));
        assert_eq!(s(&p, "modsrc", 0).as_deref(), Some("203.0.113.201"));
        assert_eq!(c(&p, "duration").as_primitive::<Float64Type>().value(0), 16.12);
        assert_eq!(c(&p, "rcvd").as_primitive::<UInt64Type>().value(0), 20488);
        assert!(extra(&p, 0).is_empty());
    }

    #[test]
    fn statistics_keys_locale_time_and_no_tz() {
        let l = r#"id=firewall time="1/27/2019 13:24:28" fw="SN" startime="bad" pri=5 Byte(i/o)=10/20 Ethernet0=out,1,2 CPU=1,2,3 Rule1:2=5 logtype="filterstat""#;
        let p = parse(l, Some("Europe/Paris"));
        // CET: UTC+1
        assert_eq!(ts(&p, "ts", 0), Some(1_548_591_868_000_000));
        assert_eq!(ts(&p, "startime", 0), None);
        assert_eq!(p.local_times, 1);
        assert_eq!(
            extra(&p, 0),
            vec![
                ("Byte(i/o)".into(), Some("10/20".into())),
                ("Ethernet0".into(), Some("out,1,2".into())),
                ("CPU".into(), Some("1,2,3".into())),
                ("Rule1:2".into(), Some("5".into())),
                ("startime".into(), Some("bad".into())),
            ]
        );
    }

    #[test]
    fn syslog_framed_and_rejects() {
        let body = r#"id=firewall time="2024-05-06 09:20:14" fw="SN" tz=+0200 logtype="system" msg="Démarrage""#;
        for (l, host) in [
            (format!("<13>May  6 09:20:14 sn-fw {body}"), Some("sn-fw")),
            (format!("<13>1 2024-05-06T07:20:14Z sn-fw asqd - - - {body}"), Some("sn-fw")),
            (format!("<13>{body}"), None),
        ] {
            assert!(matches(l.as_bytes()), "{l}");
            let p = parse(&l, None);
            assert_eq!(s(&p, "syslog_host", 0).as_deref(), host);
            assert_eq!(s(&p, "msg", 0).as_deref(), Some("Démarrage"));
        }
        let p = parse("garbage line\n", None);
        assert_eq!(p.rejects.len(), 1);
        for l in ["date=2024-05-06 time=09:15:30 devname=F", "Sep  6 10:15:32 mail postfix/smtpd[1]: x=1", "id=firewallx time=1"] {
            assert!(!matches(l.as_bytes()), "{l}");
        }
    }

    #[test]
    fn actions_and_names() {
        assert_eq!(action("pass"), Some("allow"));
        assert_eq!(action("Block"), Some("deny"));
        assert_eq!(action("BLOCK"), Some("deny"));
        assert_eq!(action("log"), None);
        assert!(is_dns_name("www.example.com"));
        assert!(!is_dns_name("Firewall_eth4"));
        assert!(!is_dns_name("198.51.100.1"));
    }
}
