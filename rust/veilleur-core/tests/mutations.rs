//! Mutated real lines through every format: no panic, and every line is a row or a reject.

use veilleur_core::chunk::Chunk;
use veilleur_core::formats::ParseCtx;
use veilleur_core::FormatId;

const SEEDS: &[&str] = &[
    r#"104.244.79.6 - - [30/Jun/2022:05:33:18 +0000] "POST /service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true HTTP/1.0" 401 299 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0" 7"#,
    r#"203.0.113.5, 10.10.2.10 - - [06/Sep/2022:10:15:32:3318 +0000] "GET /zimbraAdmin/public/jsp/x.jsp?cmd=uname%20-a HTTP/1.1" 200 - "-" "curl/7.68.0" 3"#,
    r#"[2001:db8::1]:51234 - bob [06/Sep/2022:10:15:32 +0200]  "GET https://mail.example.org/zimbra/ HTTP/1.1" 200 512 "-" "UA \"x\"" "10.10.1.5:8080" "mail.example.org:443" extra"#,
    r#"10.0.0.1 - - [06/Sep/2022:10:15:32 -0500] "\x16\x03\x01" 400 157"#,
    "2022-08-10 07:33:18,411 WARN  [qtp1234567890-4711:https://mail.example.org/service/extension/backup/mboximport?account-name=admin] [name=a@b.c;oip=1.2.3.4, 5.6.7.8;ua=x;;y;] mboxmove - Auth failed",
    "2010-09-08 00:12:05,253 INFO  [btpool0-8921] [name=dizihelp@dizi.dc;oip=192.168.1.3;] security - cmd=Auth; account=dizihelp@dizi.dc; protocol=soap; error=bad;",
    "\tat com.zimbra.cs.Frame(Frame.java:1)",
    r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] msg"#,
    "Jun 16 11:41:14 msdplantations postfix/amavisd/smtpd[21803]: E6806280D72: client=localhost[2001:db8::1], sasl_username=bob",
    "2015-05-25T13:24:54.305138-03:00 mta-in-01 amavis[31520]: (31520-03) Passed CLEAN {RelayedInternal}, LOCAL [192.168.0.152]:33696 <a@b> -> <c@d>, Queue-ID: 0CCC62816D5, Message-ID: <x@y>, size: 2750",
    r#"2022/09/06 10:15:32 [error] 1234#0: *5 open() "/a, client: 1.1.1.1" failed, client: 1.2.3.4, server: s, request: "GET /x HTTP/1.1", host: "h""#,
    "2013-01-15 15:57:32.537:WARN:oejs.DoSFilter:DOS ALERT:ip=127.0.1.1,session=null,user=null",
    "\tat com.zimbra.cs.Foo.bar(Foo.java:12)",
    "1714979730.412    187 10.20.30.41 TCP_MISS/200 5321 GET http://www.example.com/index.html asmith HIER_DIRECT/198.51.100.140 text/html",
    "1714979741.903  60012 2001:db8::41 TCP_TUNNEL/200 48213 CONNECT [2001:db8::9]:443 - HIER_DIRECT/2001:db8::9 -",
    r#"1714979730.412    153 10.20.30.41 TCP_DENIED/403 5120 GET http://x.example/a b - HIER_NONE/- text/html "http://ref.example/" "Mozilla/5.0 (X11)""#,
    "2024-05-06 07:15:30 10.0.0.5 GET /login.aspx ReturnUrl=%2Fadmin 443 - 203.0.113.50 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) https://www.example.com/ www.example.com 200 0 0 5120 612 46",
    "#Fields: date time c-ip cs-username cs(User-Agent) sc-status s-action cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path",
    r#"2011-08-04 21:00:00 0.0.0.0 - "GoogleEarth/6.0 (Windows; en-US)"  200 TCP_HIT GET http kh.google.com 80 /flatfile"#,
    "2024-05-06 07:15:30.5 203.0.113.50 EXAMPLE\\asmith Mozilla/5.0+(Windows) 200 - GET - - - /login.aspx",
    r#"<189>date=2024-05-06 time=09:15:30 devname="FGT-EXAMPLE" logid="0316013056" type="utm" eventtime=1714979762004512877 tz="+0200" srcip=10.20.30.41 srcport=51560 dstip=2001:db8::1 dstport=443 proto=6 hostname="blocked.example.net" action="blocked" url="/download.exe" msg="User \"x\" set a=b" sentbyte=517|"#,
    "May  6 09:15:31 relay date=2012-06-13,time=10:22:43,devname=FG100A,device_id=FG1,log_id=0021000002,type=traffic,src=192.168.1.110,msg=User admin logged in",
    "<13>1 2024-05-06T07:20:14Z sn-fw asqd - - - id=firewall time=\"1/27/2019 13:24:28\" fw=\"SN\" tz=+0200 startime=\"2024-05-06 09:19:58\" src= srcport=51602 dst=198.51.100.140 duration=16.12 Byte(i/o)=10/20 msg=\"Démarrage\" logtype=\"web\"\r",
    "May  6 09:22:46 gw01 kernel: [ 5124.1] IPT-DROP:IN=eth0 OUT= MAC=52:54:00:12:34:56 SRC=2001:db8::1 DST=192.0.2.10 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=5 DF OPT (94040000) PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.10 DST=10.0.0.1 LEN=60 PROTO=UDP SPT=1 DPT=2 LEN=40 ] MARK=0x1",
    "<134>May  6 09:21:07 filterlog[41122]: 5,,,1712345678,em0,match,block,in,4,0x0,,52,40123,0,DF,6,tcp,60,203.0.113.77,192.0.2.10,48211,22,0,S,3735928559,,64240,,mss;sackOK;TS;nop;wscale",
    "<134>1 2024-05-06T09:21:09.104233+02:00 fw filterlog 1 - - 9,,,1,em0,match,block,out,6,0x00,0x00000,64,ICMPv6,58,56,2001:db8::1,2001:db8::2,unreachport,[2001:db8::3],udp,33434",
    r"<166>Oct 10 2018 12:35:01: asa01 : %ASA-6-302013: Built inbound TCP connection 4294967301 for outside:203.0.113.5/40211 (203.0.113.5/40211) to dmz:10.1.1.10/443 (198.51.100.10/443)(LOCAL\jdoe)",
    "May  6 09:24:00 fw01 %ASA-4-106023: Deny icmp src outside:198.51.100.7 dst inside:10.1.1.10 (type 8, code 0) by access-group \"OUTSIDE_IN\" [0x5063b82f, 0x0]",
    "Oct 10 2018 14:02:11 EDT: %ASA-6-302014: Teardown TCP connection 1 for outside:2001:db8::5/443(LOCAL\\J S) to inside:10.0.0.5/50000 duration 1:02:03 bytes 38110 TCP Reset-I (jsmith)",
    r"May  6 09:24:05 proxy01 CEF:0|ExampleVendor|Example\|Proxy|2.1|web-block|URL blocked|7|rt=May 06 2024 09:24:07 CEST dtz=Europe/Paris src=2001:db8::1 spt=51610 requestClientApplication=Mozilla/5.0 (X11) msg=rule\=x   ",
    "<13>May  6 09:25:11 gw LEEF:2.0|V|P|1.4|web_allow|x5E|devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ^devTime=2017-10-18T11:26:03.060+0200^src=10.20.30.41^dstPort=443",
    r#"May  6 09:23:41 PA-440 1,2024/05/06 09:23:41,013201000001,THREAT,url,2560,2024/05/06 09:23:41,10.20.30.41,198.51.100.166,,,allow-web,example\asmith,,ssl,vsys1,trust,untrust,e1,e2,default,,33420,1,51560,443,0,0,0x0,tcp,block-url,"a.example/x ""y""",(9999),malware,informational,client-to-server,1,0x0,,,0,,0,,,1,"UA, x""#,
];

const W3C_HEADER: &[u8] = b"#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken";

/// xorshift64*: a tiny deterministic generator, enough to mutate bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, line: &[u8]) -> Vec<u8> {
    let mut l = line.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(6) {
            0 if !l.is_empty() => {
                let i = rng.below(l.len());
                const BYTES: &[u8] = b"\"[] :\\-/\x00\xff0";
                l[i] = BYTES[rng.below(BYTES.len())];
            }
            1 if !l.is_empty() => {
                let cut = rng.below(l.len());
                l.truncate(cut);
            }
            2 => {
                let i = rng.below(l.len() + 1);
                l.insert(i, b"\" \"[]\\"[rng.below(6)]);
            }
            3 if l.len() > 2 => {
                let i = rng.below(l.len() - 1);
                l.remove(i);
            }
            4 => {
                let i = rng.below(l.len() + 1);
                let rep = l[..i].to_vec();
                l.splice(i..i, rep);
            }
            _ => {}
        }
    }
    l.retain(|&b| b != b'\n');
    l
}

#[test]
fn mutated_lines_never_panic_and_always_count() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..300 {
        let mut data = Vec::new();
        let n = 1 + rng.below(40);
        for _ in 0..n {
            let seed = SEEDS[rng.below(SEEDS.len())].as_bytes();
            data.extend(mutate(&mut rng, seed));
            data.push(b'\n');
        }
        for f in FormatId::ALL {
            // every other round, a W3C layout handed from an earlier chunk
            let header = (round % 2 == 1).then(|| std::sync::Arc::from(W3C_HEADER));
            let ctx = ParseCtx { tz: veilleur_core::time::parse_zone("Europe/Paris"), year: Some(2022), header };
            let parsed = f.parse_chunk(Chunk { index: 0, offset: 0, data: data.clone(), long_line: None }, &ctx);
            assert_eq!(parsed.n_lines, n as u64, "round {round}");
            assert_eq!(parsed.rows() as u64 + parsed.rejects.len() as u64 + parsed.folded, n as u64, "round {round} {f:?}");
            for c in &parsed.columns {
                assert_eq!(c.len(), parsed.rows());
                // every string view points at valid UTF-8 inside its buffers
                c.to_data().validate_full().unwrap();
            }
        }
    }
}
