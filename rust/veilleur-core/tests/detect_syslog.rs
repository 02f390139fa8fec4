//! Detection of the syslog, nginx error and zmmailboxd.out formats on real lines, and that
//! they do not take access logs or log4j (mailbox.log) files.

use veilleur_core::chunk::Chunk;
use veilleur_core::formats::{detect, ParseCtx};
use veilleur_core::FormatId;

const ZIMBRA_LOG: &str = "\
Jun 16 11:41:14 msdplantations postfix/amavisd/smtpd[21803]: connect from localhost[127.0.0.1]
Jun 16 11:41:14 msdplantations postfix/amavisd/smtpd[21803]: E6806280D72: client=localhost[127.0.0.1]
Jun 16 11:41:14 msdplantations postfix/cleanup[21795]: E6806280D72: message-id=<719873953.26.1402899070175.JavaMail.zimbra@domainname.com>
Jun 16 11:41:14 msdplantations postfix/qmgr[16822]: E6806280D72: from=<admin@domainname.com>, size=1600, nrcpt=1 (queue active)
Sep  7 15:15:49 hostname clamd[2789]: SelfCheck: Database status OK.
Dec 17 06:29:10 sm02 zmconfigd[91758]: Watchdog: service antivirus status is OK.
Dec 17 06:29:10 sm02 slapd[91734]: slap_queue_csn: queueing 0x3311e00 20201216232910.480418Z#000000#000#000000
";

const RSYSLOG: &str = "\
2015-05-25T13:24:54.305138-03:00 mta-in-01 amavis[31520]: (31520-03) Passed CLEAN {RelayedInternal,Archived}, ORIGINATING/MYNETS LOCAL [192.168.0.152]:33696 <pbruna@example.com> -> <deugenin@example.com>, Queue-ID: 0CCC62816D5, size: 2750, 239 ms
2015-05-25T13:24:55.000001-03:00 mta-in-01 postfix/smtp[31521]: 0CCC62816D5: to=<deugenin@example.com>, relay=127.0.0.1[127.0.0.1]:10025, status=sent (250 2.0.0 Ok)
";

const RFC5424: &str = "\
<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8
<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.
";

const NGINX_ERROR: &str = r#"2022/09/06 10:15:32 [error] 1234#0: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: mail.example.org, request: "GET /x HTTP/1.1", upstream: "http://10.0.0.5:8080/x", host: "mail.example.org"
2022/09/06 10:15:33 [notice] 1234#0: signal process started
"#;

const JETTY: &str = "\
2013-01-15 15:57:32.537:WARN:oejs.DoSFilter:DOS ALERT:ip=127.0.1.1,session=null,user=null
java.lang.IllegalStateException: x
\tat org.eclipse.jetty.Foo.bar(Foo.java:1)
2017-10-31 16:31:15.523:INFO:oejs.Server:main: jetty-9.3.7.v20160115
";

const MAILBOX: &str = "\
2022-08-10 07:33:18,411 WARN  [qtp1234567890-4711:https://mail.example.org/service/extension/backup/mboximport?account-name=admin&ow=2&no-switch=1&append=1] [] mboxmove - Auth failed
2022-08-10 07:33:18,415 INFO  [qtp1234567890-4711:https://mail.example.org/service/extension/backup/mboximport?account-name=admin&ow=2&no-switch=1&append=1] [] mboxmove - Importing mailbox for account admin@example.org overwrite=false
2007-06-25 09:16:11,483 INFO [btpool0-251] [ip=10.4.5.6;ua=zimbraWebClient - FFX.X (Win);] SoapEngine - handler exception
com.zimbra.common.service.ServiceException: permission denied: not an admin account
at com.zimbra.common.service.ServiceException.PERM_DENIED(ServiceException.java:205)
";

const ACCESS: &str = r#"104.244.79.6 - - [30/Jun/2022:05:33:18 +0000] "POST /service/extension/backup/mboximport?account-name=admin&ow=1&no-switch=true HTTP/1.0" 401 299 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:101.0) Gecko/20100101 Firefox/101.0" 7
10.0.0.1 - - [30/Jun/2022:05:33:19 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/7.68.0" 3
"#;

#[test]
fn picks_the_right_format() {
    for (text, want) in [
        (ZIMBRA_LOG, FormatId::Syslog),
        (RSYSLOG, FormatId::Syslog),
        (RFC5424, FormatId::Syslog),
        (NGINX_ERROR, FormatId::NginxError),
        (JETTY, FormatId::ZmmailboxdOut),
    ] {
        let (f, conf) = detect(text.as_bytes(), false).unwrap();
        assert_eq!(f, want, "{text}");
        assert!(conf > 0.99, "{text}");
    }
}

#[test]
fn does_not_steal_access_or_mailbox_logs() {
    let (f, _) = detect(ACCESS.as_bytes(), false).unwrap();
    assert_eq!(f, FormatId::ZimbraAccess);
    for f in [FormatId::Syslog, FormatId::NginxError, FormatId::ZmmailboxdOut] {
        let mut dates = veilleur_core::time::DateCache::default();
        for l in ACCESS.lines().chain(MAILBOX.lines()) {
            assert!(!f.matches(l.as_bytes(), &mut dates), "{f:?} took {l}");
        }
    }
    // no format of this branch reads mailbox.log (the log4j formats are added separately)
    if let Ok((f, _)) = detect(MAILBOX.as_bytes(), false) {
        assert!(!matches!(f, FormatId::Syslog | FormatId::NginxError | FormatId::ZmmailboxdOut), "{f:?}");
    }
}

#[test]
fn counts_add_up_on_real_lines() {
    let ctx = ParseCtx { tz: veilleur_core::time::parse_zone("Europe/Paris"), year: Some(2022), header: None };
    for (text, f) in
        [(ZIMBRA_LOG, FormatId::Syslog), (RFC5424, FormatId::Syslog), (NGINX_ERROR, FormatId::NginxError), (JETTY, FormatId::ZmmailboxdOut)]
    {
        let p = f.parse_chunk(Chunk { index: 0, offset: 0, data: text.as_bytes().to_vec(), long_line: None }, &ctx);
        assert!(p.rejects.is_empty(), "{f:?}: {:?}", p.rejects.first().map(|r| &r.reason));
        assert_eq!(p.rows() as u64 + p.folded, p.n_lines);
        assert_eq!(p.columns.len() + 3, f.schema().fields().len());
    }
}
