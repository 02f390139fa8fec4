//! End-to-end tests of the read pipeline: accounting, provenance, compression, errors.

use std::io::Write;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{UInt16Type, UInt64Type};
use veilleur_core::{read_all, FormatId, ReadOptions, ReadResult, Status};

const LINE: &str = r#"203.0.113.5 - - [06/Sep/2022:10:15:32 +0000] "POST /service/extension/backup/mboximport?account-name=admin&ow=2&no-switch=1&append=1 HTTP/1.1" 401 0 "-" "python-requests/2.28.1" 12"#;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("veilleur-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn read(paths: &[String], chunk: usize) -> ReadResult {
    let opts = ReadOptions { chunk_bytes: chunk, ..ReadOptions::default() };
    read_all(paths, opts).unwrap()
}

fn lines_of(n: usize) -> String {
    (0..n).map(|i| LINE.replace("12\"", &format!("{i}\"")).replace("\" 12", &format!("\" {i}")) + "\n").collect()
}

fn check_counts(r: &ReadResult) {
    for f in &r.report.files {
        assert_eq!(f.lines, f.rows + f.rejected + f.folded, "{f:?}");
    }
}

#[test]
fn line_numbers_and_offsets_are_exact_across_chunks() {
    let d = TempDir::new("chunks");
    let text = lines_of(5000);
    let p = d.file("access_log.2022-09-06", text.as_bytes());
    let r = read(&[p], 4096); // many small chunks
    check_counts(&r);
    let batches = &r.tables[&FormatId::ZimbraAccess];
    assert!(batches.len() > 10);
    let mut expect_line = 1u64;
    let mut expect_off = 0u64;
    let mut raw_lines = text.split_inclusive('\n');
    for b in batches {
        let line = b.column_by_name("line").unwrap().as_primitive::<UInt64Type>();
        let off = b.column_by_name("offset").unwrap().as_primitive::<UInt64Type>();
        let lat = b.column_by_name("latency_ms").unwrap().as_primitive::<UInt64Type>();
        for i in 0..b.num_rows() {
            assert_eq!(line.value(i), expect_line);
            assert_eq!(off.value(i), expect_off);
            assert_eq!(lat.value(i), expect_line - 1);
            expect_off += raw_lines.next().unwrap().len() as u64;
            expect_line += 1;
        }
    }
    assert_eq!(expect_line, 5001);
}

#[test]
fn gzip_multi_member_zstd_and_magic_over_names() {
    let d = TempDir::new("compress");
    let a = lines_of(100);
    let b = lines_of(50);
    let mut two = gzip(a.as_bytes());
    two.extend(gzip(b.as_bytes()));
    let gz = d.file("nginx.access.log.3.gz.log", &two); // gzip under a misleading name
    let zst = d.file("access_log.zst", &zstd::encode_all(a.as_bytes(), 3).unwrap());
    let plain = d.file("plain.gz", a.as_bytes()); // plain text named .gz
    let r = read(&[gz, zst, plain], 1 << 20);
    check_counts(&r);
    let f = &r.report.files;
    assert_eq!((f[0].rows, f[0].compression.map(|c| c.as_str())), (150, Some("gzip")));
    assert_eq!((f[1].rows, f[1].compression.map(|c| c.as_str())), (100, Some("zstd")));
    assert_eq!((f[2].rows, f[2].compression.map(|c| c.as_str())), (100, Some("none")));
    assert_eq!(f[0].bytes, two.len() as u64);
    assert_eq!(f[0].decompressed_bytes, (a.len() + b.len()) as u64);
    assert!(f.iter().all(|s| s.status == Status::Ok));
}

#[test]
fn truncated_gzip_keeps_rows_before_the_cut() {
    let d = TempDir::new("trunc");
    let text = lines_of(20000);
    let gz = gzip(text.as_bytes());
    let cut = &gz[..gz.len() / 2];
    let p = d.file("access_log.gz", cut);
    let r = read(&[p], 1 << 16);
    check_counts(&r);
    let f = &r.report.files[0];
    assert_eq!(f.status, Status::Truncated);
    assert!(f.error.as_deref().unwrap().contains("stream cut after"), "{:?}", f.error);
    assert!(f.rows > 1000 && f.rows < 20000, "{}", f.rows);
    assert!(f.rejected <= 1); // at most the line cut in half
    assert_eq!(f.bytes, cut.len() as u64);
}

#[test]
fn empty_missing_and_unrecognised_files() {
    let d = TempDir::new("odd");
    let empty = d.file("empty.log", b"");
    let junk = d.file("junk.bin", b"\x00\x01\x02 not a log\nsecond\n");
    let r = read(&[empty.clone(), junk], 1 << 20);
    check_counts(&r);
    assert_eq!(r.report.files[0].status, Status::Empty);
    assert_eq!(r.report.files[0].lines, 0);
    assert_eq!(r.report.files[1].status, Status::Unrecognised);
    assert_eq!((r.report.files[1].lines, r.report.files[1].rejected), (2, 2));
    let missing = d.0.join("nope.log").display().to_string();
    let err = read_all(std::slice::from_ref(&missing), ReadOptions::default()).err().unwrap();
    assert!(err.to_string().contains(&missing));
    assert!(Path::new(&empty).exists());
}

#[test]
fn strict_mode_names_file_and_line() {
    let d = TempDir::new("strict");
    let mut text = lines_of(3);
    text.push_str("not a log line\n");
    let p = d.file("a.log", text.as_bytes());
    let opts = ReadOptions { strict: true, ..ReadOptions::default() };
    let err = read_all(std::slice::from_ref(&p), opts).err().unwrap().to_string();
    assert!(err.starts_with(&format!("{p}:4: ")), "{err}");
}

#[test]
fn huge_lines_and_invalid_utf8_do_not_stop_the_read() {
    let d = TempDir::new("huge");
    let mut text = lines_of(2).into_bytes();
    let long_url = "A".repeat(10 << 20);
    text.extend(LINE.replace("append=1", &format!("append=1&x={long_url}")).as_bytes());
    text.push(b'\n');
    text.extend(LINE.replace("python-requests", "python-\u{fffd}").as_bytes().iter().map(|&b| if b == 0xef { 0xff } else { b }));
    text.push(b'\n');
    text.extend(b"\0\0\0\0\0\n");
    let p = d.file("access_log.2022-09-07", &text);
    let r = read(&[p], 1 << 20);
    check_counts(&r);
    let f = &r.report.files[0];
    assert_eq!(f.lines, 5);
    assert_eq!(f.rows, 4, "{:?}", r.report.rejects);
    let status = r.tables[&FormatId::ZimbraAccess]
        .iter()
        .flat_map(|b| b.column_by_name("status").unwrap().as_primitive::<UInt16Type>().values().to_vec())
        .collect::<Vec<_>>();
    assert_eq!(status, vec![401, 401, 401, 401]);
    assert_eq!(r.report.rejects[0].line, 5);
}

fn mailbox_records(n: usize) -> (String, u64) {
    let mut s = String::new();
    let mut lines = 0;
    for i in 0..n {
        let sec = i % 60;
        s.push_str(&format!(
            "2022-09-06 10:15:{sec:02},{:03} WARN  [qtp1-{i}:https://mail.example.org/service/extension/backup/mboximport?account-name=admin] [name=admin@example.org;oip=203.0.113.66;] mboxmove - record {i}\n",
            i % 1000
        ));
        lines += 1;
        for j in 0..(i % 5) {
            s.push_str(&format!("\tat com.zimbra.cs.Frame{j}(Frame.java:{i})\n"));
            lines += 1;
        }
    }
    (s, lines)
}

#[test]
fn stack_traces_stay_with_their_record_across_chunk_boundaries() {
    let d = TempDir::new("log4j-chunks");
    let (mut text, lines) = mailbox_records(3000);
    text.insert_str(0, "\tat orphan.Frame(Frame.java:1)\nCaused by: java.io.EOFException\n");
    let p = d.file("mailbox.log", text.as_bytes());
    let opts = ReadOptions { chunk_bytes: 2048, tz: veilleur_core::time::parse_zone("Europe/Paris"), ..ReadOptions::default() };
    let r = read_all(&[p], opts).unwrap();
    check_counts(&r);
    let f = &r.report.files[0];
    assert_eq!(f.format, Some(FormatId::ZimbraMailbox));
    assert_eq!(f.lines, lines + 2);
    assert_eq!((f.rows, f.rejected), (3000, 2));
    assert_eq!(f.folded, lines - 3000);
    assert_eq!(f.tz.as_deref(), Some("Europe/Paris"));
    assert!(r.report.rejects.iter().all(|x| x.reason.contains("no record above")));
    let batches = &r.tables[&FormatId::ZimbraMailbox];
    assert!(batches.len() > 20, "small chunks: {}", batches.len());
    let mut i = 0u64;
    let mut expect_line = 3u64;
    for b in batches {
        let n_lines = b.column_by_name("n_lines").unwrap().as_primitive::<arrow_array::types::UInt32Type>();
        let line = b.column_by_name("line").unwrap().as_primitive::<UInt64Type>();
        let msg = b.column_by_name("message").unwrap().as_string_view();
        for k in 0..b.num_rows() {
            assert_eq!(u64::from(n_lines.value(k)), 1 + i % 5);
            assert_eq!(line.value(k), expect_line);
            assert!(msg.value(k).starts_with(&format!("record {i}")));
            assert_eq!(msg.value(k).matches("\tat ").count() as u64, i % 5);
            expect_line += 1 + i % 5;
            i += 1;
        }
    }
    assert_eq!(i, 3000);
}
