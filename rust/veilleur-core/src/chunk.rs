//! Splitting a byte stream into chunks that end at a newline, so that chunks can be parsed
//! independently on all cores while line numbers and byte offsets stay exact.

use std::io::{self, Read};

use crate::simd::Bytes16;

/// A piece of the decompressed stream. Invariant: `data` ends with `\n`, except for the last
/// chunk of a stream (whose final line has no newline) and for [`Chunk::long_line`] chunks.
#[derive(Debug)]
pub struct Chunk {
    /// Position of this chunk in its file, from 0.
    pub index: usize,
    /// Byte offset of `data[0]` in the decompressed stream.
    pub offset: u64,
    pub data: Vec<u8>,
    /// Set when `data` is only the head of one line longer than the chunker's line limit; the
    /// whole line was `long_line` bytes long (without its newline) and was skipped.
    pub long_line: Option<u64>,
}

/// Cuts a reader into newline-terminated chunks of about `target` bytes.
pub struct Chunker<R> {
    src: R,
    target: usize,
    max_line: usize,
    carry: Vec<u8>,
    offset: u64,
    index: usize,
    eof: bool,
    error: Option<io::Error>,
    record_start: Option<fn(&[u8]) -> bool>,
}

/// How much of an over-long line is kept as the sample for its reject.
pub const LONG_LINE_SAMPLE: usize = 64 * 1024;

impl<R: Read> Chunker<R> {
    pub fn new(src: R, target: usize, max_line: usize) -> Self {
        Chunker {
            src,
            target: target.max(1),
            max_line: max_line.max(1),
            carry: Vec::new(),
            offset: 0,
            index: 0,
            eof: false,
            error: None,
            record_start: None,
        }
    }

    /// Cut chunks only before a line that starts a record (multi-line formats), so that no
    /// record is split between two chunks unless it is longer than the line limit.
    pub fn with_record_start(mut self, pred: fn(&[u8]) -> bool) -> Self {
        self.record_start = Some(pred);
        self
    }

    /// The read error that ended the stream early, if any (e.g. a truncated gzip).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Decompressed bytes handed out so far.
    pub fn bytes_read(&self) -> u64 {
        self.offset
    }

    pub fn into_inner(self) -> R {
        self.src
    }

    /// Read up to `want` more bytes onto the end of `buf`; returns how many (0 at the end of
    /// the stream or on an error, which is kept for `take_error`).
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> usize {
        if self.eof {
            return 0;
        }
        buf.reserve(want);
        let start = buf.len();
        // `read_to_end` on a `Take` reads into spare capacity without zeroing it first
        match (&mut self.src).take(want as u64).read_to_end(buf) {
            Ok(_) => {}
            Err(e) => {
                self.eof = true;
                self.error = Some(e);
            }
        }
        let n = buf.len() - start;
        if n < want {
            self.eof = true;
        }
        n
    }

    fn emit(&mut self, data: Vec<u8>, long_line: Option<u64>, consumed: u64) -> Chunk {
        let chunk = Chunk { index: self.index, offset: self.offset, data, long_line };
        self.index += 1;
        self.offset += consumed;
        chunk
    }

    /// Skip to the end of an over-long line whose first `seen` bytes are in `buf`; returns the
    /// line's length and whether a newline ended it. Keeps what follows the newline as carry.
    fn skip_long_line(&mut self, mut buf: Vec<u8>) -> (Vec<u8>, u64, bool) {
        let sample: Vec<u8> = buf[..LONG_LINE_SAMPLE.min(buf.len())].to_vec();
        let mut len = buf.len() as u64;
        loop {
            buf.clear();
            if self.fill(&mut buf, 1 << 20) == 0 {
                return (sample, len, false);
            }
            if let Some(p) = memchr::memchr(b'\n', &buf) {
                len += p as u64;
                self.carry = buf[p + 1..].to_vec();
                return (sample, len, true);
            }
            len += buf.len() as u64;
        }
    }
}

impl<R: Read> Iterator for Chunker<R> {
    type Item = Chunk;

    fn next(&mut self) -> Option<Chunk> {
        if let Some(pred) = self.record_start {
            return self.next_records(pred);
        }
        let mut buf = Vec::with_capacity(self.target + self.target.min(1 << 16) + self.carry.len());
        buf.append(&mut self.carry);
        let mut scanned = 0; // bytes of buf already searched for a newline
        let mut cut: Option<usize> = None; // just past the last newline found
        loop {
            let want = self.target.saturating_sub(buf.len()).max(self.target.min(1 << 16));
            let got = self.fill(&mut buf, want);
            if let Some(p) = memchr::memrchr(b'\n', &buf[scanned..]) {
                cut = Some(scanned + p + 1);
            }
            scanned = buf.len();
            if got == 0 {
                // end of stream (or a read error): hand out all that is left
                if buf.is_empty() {
                    return None;
                }
                let n = buf.len() as u64;
                return Some(self.emit(buf, None, n));
            }
            match cut {
                Some(c) if buf.len() >= self.target => {
                    self.carry = buf[c..].to_vec();
                    buf.truncate(c);
                    let n = buf.len() as u64;
                    return Some(self.emit(buf, None, n));
                }
                Some(_) => {}
                None if buf.len() > self.max_line => {
                    let (sample, len, newline) = self.skip_long_line(buf);
                    return Some(self.emit(sample, Some(len), len + u64::from(newline)));
                }
                None => {}
            }
        }
    }
}

impl<R: Read> Chunker<R> {
    /// `next` for multi-line formats: the cut goes before the last line that starts a record.
    /// Line starts are examined once each, in order, so the work stays linear.
    fn next_records(&mut self, pred: fn(&[u8]) -> bool) -> Option<Chunk> {
        use crate::formats::RECORD_START_PEEK;
        let mut buf = Vec::with_capacity(self.target + self.target.min(1 << 16) + self.carry.len());
        buf.append(&mut self.carry);
        let mut pos = 0; // next byte to search for a newline
        let mut last_start: Option<usize> = None; // start (> 0) of the last record-start line seen
        let mut last_newline: Option<usize> = None;
        loop {
            let want = self.target.saturating_sub(buf.len()).max(self.target.min(1 << 16));
            let got = self.fill(&mut buf, want);
            // examine the line after each newline, once enough of it is here to decide
            while let Some(k) = memchr::memchr(b'\n', &buf[pos..]) {
                let c = pos + k + 1;
                let rest = &buf[c..];
                let line_end = memchr::memchr(b'\n', &rest[..rest.len().min(RECORD_START_PEEK + 1)]);
                if line_end.is_none() && rest.len() < RECORD_START_PEEK + 1 && got > 0 {
                    break; // not enough of the line yet: look again after the next read
                }
                last_newline = Some(c);
                let mut peek = &rest[..line_end.unwrap_or(rest.len().min(RECORD_START_PEEK))];
                if peek.last() == Some(&b'\r') {
                    peek = &peek[..peek.len() - 1];
                }
                if !peek.is_empty() && pred(&peek[..peek.len().min(RECORD_START_PEEK)]) {
                    last_start = Some(c);
                }
                pos = c;
            }
            if got == 0 {
                if buf.is_empty() {
                    return None;
                }
                let n = buf.len() as u64;
                return Some(self.emit(buf, None, n));
            }
            if buf.len() >= self.target {
                if let Some(c) = last_start {
                    self.carry = buf[c..].to_vec();
                    buf.truncate(c);
                    let n = buf.len() as u64;
                    return Some(self.emit(buf, None, n));
                }
            }
            if buf.len() > self.max_line {
                // one record longer than the limit: cut at a line boundary anyway (the lines
                // after the cut become rejects), or skip an over-long line
                if let Some(c) = last_newline {
                    self.carry = buf[c..].to_vec();
                    buf.truncate(c);
                    let n = buf.len() as u64;
                    return Some(self.emit(buf, None, n));
                }
                let (sample, len, newline) = self.skip_long_line(buf);
                return Some(self.emit(sample, Some(len), len + u64::from(newline)));
            }
        }
    }
}

/// Lines of a chunk: `(start, end)` byte ranges without the `\n` and without a final `\r`.
pub fn lines(data: &[u8]) -> Lines<'_> {
    Lines { data, start: 0, base: 0, mask: 0, next: 0 }
}

/// The iterator of [`lines`]. The newlines are found 64 bytes at a time as a bit mask, and each
/// line takes the next bit: lines are short, and a search call per line (memchr's) cost more
/// than the search itself.
pub struct Lines<'a> {
    data: &'a [u8],
    /// Where the next line starts.
    start: usize,
    /// The offset of the bytes `mask` describes.
    base: usize,
    /// The newlines of `data[base..base + 64]` not handed out yet.
    mask: u64,
    /// The offset of the next block to read.
    next: usize,
}

/// Bit `i` set when `b[i]` is a newline.
#[inline(always)]
fn newlines(b: &[u8; 64]) -> u64 {
    (0..4).fold(0u64, |m, k| {
        let block: &[u8; 16] = b[16 * k..16 * k + 16].try_into().expect("16 bytes");
        m | (u64::from(Bytes16::load(block).eq(b'\n')) << (16 * k))
    })
}

impl Iterator for Lines<'_> {
    type Item = (usize, usize);

    #[inline]
    fn next(&mut self) -> Option<(usize, usize)> {
        let data = self.data;
        while self.mask == 0 {
            if self.next >= data.len() {
                // the last line, without a newline
                if self.start >= data.len() {
                    return None;
                }
                let s = self.start;
                self.start = data.len() + 1;
                return Some(trim_cr(data, s, data.len()));
            }
            self.base = self.next;
            self.mask = match data.get(self.next..self.next + 64) {
                Some(b) => newlines(b.try_into().expect("64 bytes")),
                None => data[self.next..].iter().enumerate().fold(0, |m, (i, &c)| m | (u64::from(c == b'\n') << i)),
            };
            self.next += 64;
        }
        let end = self.base + self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        let s = self.start;
        self.start = end + 1;
        Some(trim_cr(data, s, end))
    }
}

/// `(s, e)` without a final `\r`.
#[inline(always)]
fn trim_cr(data: &[u8], s: usize, e: usize) -> (usize, usize) {
    if e > s && data[e - 1] == b'\r' {
        (s, e - 1)
    } else {
        (s, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(input: &[u8], target: usize, max_line: usize) -> Vec<Chunk> {
        Chunker::new(input, target, max_line).collect()
    }

    /// The line ranges the masks give, against a plain split, for every length around the
    /// 64-byte blocks and lines of every length (empty ones, CR-LF ones, a last one without
    /// a newline).
    #[test]
    fn lines_match_split() {
        let mut rng = crate::test_rng::Rng::new(0x9E37_79B9_7F4A_7C15);
        for round in 0..3000 {
            let x = rng.next();
            let n = (x % 300) as usize;
            let data: Vec<u8> = (0..n)
                .map(|i| {
                    let r = (x >> (i % 50)) ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ round;
                    match r % 23 {
                        0 | 1 => b'\n',
                        2 => b'\r',
                        _ => b'a',
                    }
                })
                .collect();
            let mut want = Vec::new();
            let mut s = 0;
            for (i, &c) in data.iter().enumerate() {
                if c == b'\n' {
                    want.push(trim_cr(&data, s, i));
                    s = i + 1;
                }
            }
            if s < data.len() {
                want.push(trim_cr(&data, s, data.len()));
            }
            assert_eq!(lines(&data).collect::<Vec<_>>(), want, "{n}");
        }
    }

    #[test]
    fn chunks_end_at_newlines_and_cover_the_input() {
        let input: Vec<u8> = (0..1000).flat_map(|i| format!("line {i}\n").into_bytes()).collect();
        let cs = chunks(&input, 100, 1 << 20);
        assert!(cs.len() > 5);
        let mut joined = Vec::new();
        for (i, c) in cs.iter().enumerate() {
            assert_eq!(c.index, i);
            assert_eq!(c.offset as usize, joined.len());
            assert_eq!(*c.data.last().unwrap(), b'\n');
            joined.extend_from_slice(&c.data);
        }
        assert_eq!(joined, input);
    }

    #[test]
    fn final_line_without_newline_is_kept() {
        let cs = chunks(b"a\nb\nlast", 1 << 20, 1 << 20);
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].data, b"a\nb\nlast");
        assert_eq!(lines(&cs[0].data).collect::<Vec<_>>(), vec![(0, 1), (2, 3), (4, 8)]);
    }

    #[test]
    fn crlf_is_stripped_and_empty_lines_kept() {
        let data = b"a\r\n\r\n\nb";
        assert_eq!(lines(data).collect::<Vec<_>>(), vec![(0, 1), (3, 3), (5, 5), (6, 7)]);
    }

    #[test]
    fn line_longer_than_target_stays_whole() {
        let mut input = vec![b'x'; 5000];
        input.push(b'\n');
        input.extend_from_slice(b"tail\n");
        let cs = chunks(&input, 100, 1 << 20);
        assert_eq!(&cs[0].data[..5001], &input[..5001]);
        let joined: Vec<u8> = cs.iter().flat_map(|c| c.data.clone()).collect();
        assert_eq!(joined, input);
    }

    #[test]
    fn over_long_line_is_skipped_with_its_length() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'y', 3_000_000));
        input.extend_from_slice(b"\nafter\n");
        let cs = chunks(&input, 1 << 16, 1 << 20);
        let long: Vec<&Chunk> = cs.iter().filter(|c| c.long_line.is_some()).collect();
        assert_eq!(long.len(), 1);
        assert_eq!(long[0].long_line, Some(3_000_000));
        assert_eq!(long[0].offset, 3);
        let after = cs.iter().find(|c| c.data.starts_with(b"after")).unwrap();
        assert_eq!(after.offset, 3 + 3_000_000 + 1);
    }

    #[test]
    fn record_chunks_never_split_a_record() {
        // records start with "R"; continuation lines with a space
        let mut input = Vec::new();
        for i in 0..300 {
            input.extend_from_slice(format!("R{i} head\n").as_bytes());
            for j in 0..(i % 7) {
                input.extend_from_slice(format!(" at frame {j}\n").as_bytes());
            }
        }
        let cs: Vec<Chunk> = Chunker::new(&input[..], 200, 1 << 20).with_record_start(|l| l.first() == Some(&b'R')).collect();
        assert!(cs.len() > 10);
        let mut joined = Vec::new();
        for c in &cs {
            assert_eq!(c.data[0], b'R', "chunk {} starts inside a record", c.index);
            assert_eq!(c.offset as usize, joined.len());
            joined.extend_from_slice(&c.data);
        }
        assert_eq!(joined, input);
    }

    #[test]
    fn empty_input_has_no_chunks() {
        assert!(chunks(b"", 10, 10).is_empty());
    }
}
