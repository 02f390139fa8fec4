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
    r"May  6 09:24:05 proxy01 CEF:0|ExampleVendor|Example\|Proxy|2.1|web-block|URL blocked|7|rt=May 06 2024 09:24:07 CEST dtz=Europe/Paris src=2001:db8::1 spt=51610 requestClientApplication=Mozilla/5.0 (X11) msg=rule\=x   ",
    "<13>May  6 09:25:11 gw LEEF:2.0|V|P|1.4|web_allow|x5E|devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ^devTime=2017-10-18T11:26:03.060+0200^src=10.20.30.41^dstPort=443",
    r#"May  6 09:23:41 PA-440 1,2024/05/06 09:23:41,013201000001,THREAT,url,2560,2024/05/06 09:23:41,10.20.30.41,198.51.100.166,,,allow-web,example\asmith,,ssl,vsys1,trust,untrust,e1,e2,default,,33420,1,51560,443,0,0,0x0,tcp,block-url,"a.example/x ""y""",(9999),malware,informational,client-to-server,1,0x0,,,0,,0,,,1,"UA, x""#,
];

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
            let ctx = ParseCtx { tz: veilleur_core::time::parse_zone("Europe/Paris"), year: Some(2022), header: None };
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
