//! Indicator values to their canonical form: refanging, per-kind normalisation and kind
//! guessing. The matcher compares haystacks against exactly these forms, so every loader
//! (Python or Rust) goes through [`normalize`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Kind;

/// Undo the usual defanging: `hxxp`/`hXXp`/`fxp` schemes, `[.]` `(.)` `{.}` `[dot]` `(dot)`
/// `\.` for dots, `[:]` for colons, `[://]`, `[@]` `(at)` `[at]` for at signs, and
/// surrounding whitespace.
pub fn refang(value: &str) -> String {
    let mut s = value.trim().to_string();
    for (from, to) in [
        ("[://]", "://"),
        ("[:]//", "://"),
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("[DOT]", "."),
        ("\\.", "."),
        ("[:]", ":"),
        ("[@]", "@"),
        ("(@)", "@"),
        ("[at]", "@"),
        ("(at)", "@"),
        ("[AT]", "@"),
        ("[/]", "/"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    let lower = s.get(..6).map(str::to_ascii_lowercase).unwrap_or_default();
    for (from, to) in [("hxxps", "https"), ("hxxp", "http"), ("hxtp", "http"), ("fxp", "ftp"), ("fxps", "ftps")] {
        if lower.starts_with(from) && s[from.len()..].starts_with(':') {
            s = format!("{to}{}", &s[from.len()..]);
            break;
        }
    }
    s
}

/// An IP address as a number in the IPv6 space; IPv4 `a.b.c.d` is `::ffff:a.b.c.d`.
pub fn ip_to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// IPv4-mapped IPv6 addresses become IPv4.
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// Parse an IP written alone, in brackets, or followed by a port (`1.2.3.4:443`,
/// `[2001:db8::1]:443`). IPv4 with leading zeros is refused (octal ambiguity).
pub fn parse_ip_loose(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        if !(after.is_empty() || (after.starts_with(':') && is_port(&after[1..]))) {
            return None;
        }
        return inside.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let (host, port) = s.rsplit_once(':')?;
    if !is_port(port) {
        return None;
    }
    host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

fn is_port(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| n <= 65535)
}

/// A CIDR `addr/len` as (network, prefix length) with host bits cleared; IPv4-mapped IPv6
/// networks of length ≥ 96 become IPv4 networks.
pub fn parse_cidr(s: &str) -> Result<(IpAddr, u8), String> {
    let (addr, len) = s.split_once('/').ok_or("no '/' in CIDR")?;
    let ip: IpAddr = addr.trim().parse().map_err(|_| format!("{addr:?} is not an IP address"))?;
    let len: u8 = len.trim().parse().map_err(|_| format!("{len:?} is not a prefix length"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    if len > max {
        return Err(format!("prefix length {len} > {max}"));
    }
    Ok(match ip {
        IpAddr::V4(v4) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            (IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask)), len)
        }
        IpAddr::V6(v6) => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            let net = Ipv6Addr::from(u128::from(v6) & mask);
            match net.to_ipv4_mapped() {
                Some(v4) if len >= 96 => (IpAddr::V4(v4), len - 96),
                _ => (IpAddr::V6(net), len),
            }
        }
    })
}

/// Domain syntax check on an ASCII lower-case name without trailing dot.
fn check_domain(d: &str) -> Result<(), String> {
    if d.is_empty() {
        return Err("empty domain".into());
    }
    if !d.is_ascii() {
        return Err("non-ASCII domain (convert it to punycode with IDNA first)".into());
    }
    if d.len() > 253 {
        return Err("domain longer than 253 characters".into());
    }
    for label in d.split('.') {
        if label.is_empty() {
            return Err("empty label in domain".into());
        }
        if label.len() > 63 {
            return Err("label longer than 63 characters".into());
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(format!("invalid character in domain label {label:?}"));
        }
    }
    Ok(())
}

/// Lower-case, drop a trailing dot and a leading `*.`, check the syntax.
pub fn normalize_domain(v: &str) -> Result<String, String> {
    let mut d = v.trim().to_ascii_lowercase();
    if let Some(rest) = d.strip_prefix("*.") {
        d = rest.to_string();
    }
    while d.ends_with('.') {
        d.pop();
    }
    check_domain(&d)?;
    if d.parse::<IpAddr>().is_ok() || d.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err("an IP address is not a domain".into());
    }
    Ok(d)
}

/// Normalise a host (domain or IP, without port) for URLs.
fn normalize_host(h: &str) -> Result<String, String> {
    if let Some(inner) = h.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        let v6: Ipv6Addr = inner.parse().map_err(|_| format!("invalid IPv6 host {h:?}"))?;
        return Ok(format!("[{v6}]"));
    }
    if let Ok(ip) = h.parse::<Ipv4Addr>() {
        return Ok(ip.to_string());
    }
    normalize_domain(h)
}

/// `scheme://[user@]host[:port]/path?query`: scheme and host lower-cased, host normalised
/// (trailing dot, IPv6 canonical), default port (80 for http, 443 for https) dropped, the
/// fragment dropped, a bare `/` path dropped. Path and query keep their case. Without a
/// scheme, the value is taken as `host/path...` and stored without one.
pub fn normalize_url(v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() || v.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err("empty URL or URL with spaces".into());
    }
    let v = v.split('#').next().unwrap_or(v);
    let (scheme, rest) = match v.find("://") {
        Some(i) => {
            let sch = &v[..i];
            if sch.is_empty() || !sch.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.') {
                return Err(format!("invalid URL scheme {sch:?}"));
            }
            (Some(sch.to_ascii_lowercase()), &v[i + 3..])
        }
        None => (None, v),
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (host, port) = if hostport.starts_with('[') {
        match hostport.find(']') {
            Some(i) => (&hostport[..=i], hostport[i + 1..].strip_prefix(':')),
            None => return Err("unclosed '[' in URL host".into()),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err("URL without host".into());
    }
    let host = normalize_host(&host.to_ascii_lowercase())?;
    let port = match port {
        Some(p) if !is_port(p) => return Err(format!("invalid port {p:?}")),
        Some(p) => {
            let p = p.trim_start_matches('0');
            let default = matches!((scheme.as_deref(), p), (Some("http"), "80") | (Some("https"), "443"));
            (!default).then(|| if p.is_empty() { "0".to_string() } else { p.to_string() })
        }
        None => None,
    };
    let mut out = String::with_capacity(v.len());
    if let Some(s) = &scheme {
        out.push_str(s);
        out.push_str("://");
    }
    if let Some(u) = userinfo {
        out.push_str(u);
        out.push('@');
    }
    out.push_str(&host);
    if let Some(p) = port {
        out.push(':');
        out.push_str(&p);
    }
    if path != "/" {
        out.push_str(path);
    }
    Ok(out)
}

fn normalize_hash(v: &str, len: usize, name: &str) -> Result<String, String> {
    let h = v.trim().to_ascii_lowercase();
    if h.len() != len || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{name} must be {len} hexadecimal digits"));
    }
    Ok(h)
}

/// Normalise `value` as an indicator of `kind` (refanged first for IPs, CIDRs, domains,
/// URLs and e-mails). Returns the kind (an IP written with `/len` is a CIDR) and the value,
/// or the reason it is invalid.
pub fn normalize(kind: Kind, value: &str) -> Result<(Kind, String), String> {
    let refanged;
    let v = match kind {
        Kind::Ip | Kind::Cidr | Kind::Domain | Kind::Url | Kind::Email => {
            refanged = refang(value);
            refanged.as_str()
        }
        _ => value,
    };
    match kind {
        Kind::Ip | Kind::Cidr if v.contains('/') => {
            let (net, len) = parse_cidr(v)?;
            Ok((Kind::Cidr, format!("{net}/{len}")))
        }
        Kind::Ip => {
            let ip = parse_ip_loose(v).ok_or_else(|| format!("{v:?} is not an IP address"))?;
            Ok((Kind::Ip, unmap(ip).to_string()))
        }
        Kind::Cidr => {
            let ip = parse_ip_loose(v).ok_or_else(|| format!("{v:?} is not a CIDR"))?;
            let ip = unmap(ip);
            let len = if ip.is_ipv4() { 32 } else { 128 };
            Ok((Kind::Cidr, format!("{ip}/{len}")))
        }
        Kind::Domain => Ok((Kind::Domain, normalize_domain(v)?)),
        Kind::Url => Ok((Kind::Url, normalize_url(v)?)),
        Kind::Uri => {
            let p = v.trim();
            if p.is_empty() {
                return Err("empty path".into());
            }
            Ok((Kind::Uri, p.to_string()))
        }
        Kind::Md5 => Ok((Kind::Md5, normalize_hash(v, 32, "md5")?)),
        Kind::Sha1 => Ok((Kind::Sha1, normalize_hash(v, 40, "sha1")?)),
        Kind::Sha256 => Ok((Kind::Sha256, normalize_hash(v, 64, "sha256")?)),
        Kind::UserAgent => {
            let ua = v.trim_matches(['\r', '\n']);
            if ua.trim().is_empty() {
                return Err("empty user agent".into());
            }
            Ok((Kind::UserAgent, ua.to_string()))
        }
        Kind::Email => {
            let e = v.trim().to_ascii_lowercase();
            let (local, domain) = e.rsplit_once('@').ok_or("no '@' in e-mail address")?;
            if local.is_empty() || local.contains(['@', ' ']) {
                return Err("invalid local part in e-mail address".into());
            }
            let d = normalize_domain(domain)?;
            Ok((Kind::Email, format!("{local}@{d}")))
        }
        Kind::String => {
            if v.is_empty() {
                return Err("empty string".into());
            }
            Ok((Kind::String, v.to_string()))
        }
    }
}

/// File extensions that make a dotted name a file name, not a host name: executables,
/// scripts, web pages, archives and documents whose extension is not a delegated TLD, plus
/// `sh` and `py` (Saint Helena's and Paraguay's TLDs, but in incident-response lists `x.sh`
/// and `poc.py` are nearly always a shell or Python script). Extensions that are also TLDs
/// common in indicator feeds (`pl`, `so`, `ps`, `zip`, `mov`, `app`, `run`, `com`...) are not
/// listed: such names stay domains.
const FILE_EXTENSIONS: &[&str] = &[
    "exe", "dll", "sys", "ocx", "cpl", "scr", "pif", "msi", "lnk", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf", "wsh",
    "hta", "jar", "war", "ear", "class", "elf", "bin", "ko", "tmp", "dat", "sh", "bash", "py", "pyc", "cgi", "php", "php3", "php4", "php5",
    "php7", "phtml", "phar", "jsp", "jspx", "jspf", "asp", "aspx", "ashx", "asmx", "ascx", "axd", "cfm", "htm", "html", "shtml", "xhtml",
    "txt", "log", "ini", "cfg", "conf", "bak", "doc", "docx", "docm", "dotm", "xls", "xlsx", "xlsm", "xlsb", "ppt", "pptx", "pptm", "rtf",
    "pdf", "iso", "img", "vhd", "vhdx", "rar", "7z", "gz", "tgz", "tar", "apk", "dmg", "deb", "rpm",
];

/// Guess the kind of a bare value (after refanging): `addr/len` → cidr, an IP (optionally
/// with a port) → ip, `scheme://` → url, 32/40/64 hex digits → md5/sha1/sha256, `x@domain` →
/// email, a leading `/` → uri, a dotted name whose last label is alphabetic → domain unless
/// that label is a file extension of [`FILE_EXTENSIONS`] (`cmd.exe`, `shell.aspx`, `x.sh` →
/// string), a domain followed by `:port` → domain (the loader drops the port), anything else
/// → string.
pub fn guess_kind(value: &str) -> Kind {
    let v = refang(value);
    let v = v.as_str();
    if v.contains('/') && parse_cidr(v).is_ok() {
        return Kind::Cidr;
    }
    if parse_ip_loose(v).is_some() {
        return Kind::Ip;
    }
    if v.contains('.') && v.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b':') {
        return Kind::Ip; // looks like an IP but is not one: normalisation says why
    }
    if v.contains("://") && !v.contains(char::is_whitespace) {
        return Kind::Url;
    }
    if v.bytes().all(|b| b.is_ascii_hexdigit()) {
        match v.len() {
            32 => return Kind::Md5,
            40 => return Kind::Sha1,
            64 => return Kind::Sha256,
            _ => {}
        }
    }
    if let Some((l, d)) = v.rsplit_once('@') {
        let idn = !d.is_ascii() && d.contains('.') && !d.contains(char::is_whitespace);
        if !l.is_empty() && !l.contains(' ') && (idn || normalize_domain(d).is_ok()) {
            return Kind::Email;
        }
    }
    if v.starts_with('/') {
        return Kind::Uri;
    }
    // `evil.com:8080`: the host decides
    let d = match v.rsplit_once(':') {
        Some((host, port)) if is_port(port) && !host.contains(':') => host,
        _ => v,
    };
    let d = d.trim_end_matches('.');
    if d.contains('.') && !d.contains(['/', '@']) {
        let tld = d.rsplit('.').next().unwrap_or("");
        let tld_ok = tld.bytes().all(|b| b.is_ascii_alphabetic()) || tld.starts_with("xn--") || !tld.is_ascii();
        let file = FILE_EXTENSIONS.iter().any(|e| tld.eq_ignore_ascii_case(e));
        if tld_ok && !file && (!d.is_ascii() || normalize_domain(d).is_ok()) {
            return Kind::Domain;
        }
    }
    if !v.contains("://") && v.contains('/') && !v.contains(char::is_whitespace) {
        if let Some((host, _)) = v.split_once('/') {
            if host.contains('.') && normalize_host(&host.to_ascii_lowercase()).is_ok() {
                return Kind::Url;
            }
        }
    }
    Kind::String
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(kind: Kind, v: &str) -> Result<String, String> {
        normalize(kind, v).map(|(_, s)| s)
    }

    #[test]
    fn refang_forms() {
        assert_eq!(refang(" hxxp://evil[.]com/x "), "http://evil.com/x");
        assert_eq!(refang("hXXps[:]//a(.)b[.]org"), "https://a.b.org");
        assert_eq!(refang("user[@]evil[dot]com"), "user@evil.com");
        assert_eq!(refang("203.0.113[.]7"), "203.0.113.7");
        assert_eq!(refang("2001:db8[:]:1"), "2001:db8::1");
    }

    #[test]
    fn ips_and_cidrs() {
        assert_eq!(n(Kind::Ip, "2001:DB8:0:0:0:0:0:1").unwrap(), "2001:db8::1");
        assert_eq!(n(Kind::Ip, "::ffff:10.0.0.1").unwrap(), "10.0.0.1");
        assert_eq!(n(Kind::Ip, "52.90.92.82:443").unwrap(), "52.90.92.82");
        assert_eq!(n(Kind::Ip, "[2001:db8::1]:443").unwrap(), "2001:db8::1");
        assert!(n(Kind::Ip, "010.0.0.1").is_err());
        assert!(n(Kind::Ip, "256.0.0.1").is_err());
        assert_eq!(normalize(Kind::Ip, "10.1.2.3/22").unwrap(), (Kind::Cidr, "10.1.0.0/22".into()));
        assert_eq!(n(Kind::Cidr, "::ffff:192.0.2.0/120").unwrap(), "192.0.2.0/24");
        assert_eq!(n(Kind::Cidr, "2001:db8::/32").unwrap(), "2001:db8::/32");
        assert_eq!(n(Kind::Cidr, "1.2.3.4").unwrap(), "1.2.3.4/32");
        assert!(n(Kind::Cidr, "1.2.3.0/33").is_err());
    }

    #[test]
    fn domains_urls() {
        assert_eq!(n(Kind::Domain, "Evil.COM.").unwrap(), "evil.com");
        assert_eq!(n(Kind::Domain, "evil[.]com").unwrap(), "evil.com");
        assert_eq!(n(Kind::Domain, "*.evil.com").unwrap(), "evil.com");
        assert!(n(Kind::Domain, "ev il.com").is_err());
        assert!(n(Kind::Domain, "a..b").is_err());
        assert!(n(Kind::Domain, "1.2.3.4").is_err());
        assert!(n(Kind::Domain, "пример.рф").is_err());
        assert_eq!(n(Kind::Url, "HXXP://Evil.COM:80/Path?Q=1#frag").unwrap(), "http://evil.com/Path?Q=1");
        assert_eq!(n(Kind::Url, "https://evil.com:443/").unwrap(), "https://evil.com");
        assert_eq!(n(Kind::Url, "https://evil.com:8443/a").unwrap(), "https://evil.com:8443/a");
        assert_eq!(n(Kind::Url, "http://[2001:DB8::1]/x").unwrap(), "http://[2001:db8::1]/x");
        assert_eq!(n(Kind::Url, "evil.com/x.sh").unwrap(), "evil.com/x.sh");
        assert_eq!(n(Kind::Email, "Bad[@]Evil[.]Com").unwrap(), "bad@evil.com");
        assert_eq!(n(Kind::Sha256, &"AB".repeat(32)).unwrap(), "ab".repeat(32));
        assert!(n(Kind::Md5, "xyz").is_err());
    }

    #[test]
    fn guesses() {
        assert_eq!(guess_kind("10.0.0.0/8"), Kind::Cidr);
        assert_eq!(guess_kind("10.0.0.1"), Kind::Ip);
        assert_eq!(guess_kind("010.0.0.1"), Kind::Ip);
        assert_eq!(guess_kind("2001:db8::1"), Kind::Ip);
        assert_eq!(guess_kind("hxxp://a.com/x"), Kind::Url);
        assert_eq!(guess_kind("evil[.]com"), Kind::Domain);
        assert_eq!(guess_kind("a.b.evil.com."), Kind::Domain);
        assert_eq!(guess_kind(&"a".repeat(64)), Kind::Sha256);
        assert_eq!(guess_kind("x@evil.com"), Kind::Email);
        assert_eq!(guess_kind("x@bücher.example"), Kind::Email);
        assert_eq!(guess_kind("bücher.example"), Kind::Domain);
        assert_eq!(guess_kind("/service/extension/backup/mboximport"), Kind::Uri);
        assert_eq!(guess_kind("evil.com/x.sh"), Kind::Url);
        assert_eq!(guess_kind("cmd.exe /c whoami"), Kind::String);
        assert_eq!(guess_kind("file.txt1"), Kind::String);
    }

    #[test]
    fn file_names_are_not_domains() {
        for f in ["x.sh", "cmd.exe", "CMD.EXE", "shell.aspx", "index.php", "a.jsp", "payload.ps1", "run.bat", "lib.dll", "poc.py", "x.sh."]
        {
            assert_eq!(guess_kind(f), Kind::String, "{f}");
        }
        // extensions that are delegated TLDs common in feeds stay domains, as do internal names
        for d in ["wp.pl", "notion.so", "setup.zip", "evil.com", "dc01.corp.local", "a.b.evil.app"] {
            assert_eq!(guess_kind(d), Kind::Domain, "{d}");
        }
        // a path ending in a file name is still a URL without scheme
        assert_eq!(guess_kind("evil.com/x.php"), Kind::Url);
    }

    #[test]
    fn host_and_port() {
        assert_eq!(guess_kind("evil.com:8080"), Kind::Domain);
        assert_eq!(guess_kind("evil[.]com[:]443"), Kind::Domain);
        assert_eq!(guess_kind("evil.com:99999"), Kind::String);
        assert_eq!(guess_kind("cmd.exe:1"), Kind::String);
        assert_eq!(guess_kind("10.0.0.1:443"), Kind::Ip);
    }
}
