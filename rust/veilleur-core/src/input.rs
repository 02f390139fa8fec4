//! Inputs: paths, folders and globs resolved to files; decompression recognised by magic
//! bytes; SHA-256 of the bytes as stored on disk computed while they are read.

use std::fs::File;
use std::io::{self, BufReader, Chain, Cursor, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// How a file is stored on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// Recognise the compression from the first bytes of a file (never from its name).
    pub fn from_magic(magic: &[u8]) -> Compression {
        if magic.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Resolve user inputs to a list of files, in a stable order: each input in the order given;
/// a folder is walked recursively with its entries sorted by name; a glob's matches are sorted.
/// Duplicates are kept once. A named path that does not exist, or a glob matching nothing, is
/// an error naming it. Symbolic links are kept as files (a dangling one fails when read, and
/// that failure is reported for that file), links to folders are not followed (no cycles).
pub fn resolve(inputs: &[String]) -> Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut push = |p: PathBuf, out: &mut Vec<PathBuf>| {
        if seen.insert(p.clone()) {
            out.push(p);
        }
    };
    for input in inputs {
        let path = Path::new(input);
        if path.symlink_metadata().is_ok() {
            let mut files = Vec::new();
            collect(path, &mut files).map_err(|source| Error::Io { path: input.clone(), source })?;
            for f in files {
                push(f, &mut out);
            }
        } else if has_glob_chars(input) {
            let entries = glob::glob(input).map_err(|e| Error::InvalidArgument(format!("bad glob pattern {input:?}: {e}")))?;
            let mut matched: Vec<PathBuf> = entries.filter_map(|e| e.ok()).collect();
            matched.sort();
            if matched.is_empty() {
                return Err(Error::NotFound { path: input.clone() });
            }
            for m in matched {
                let mut files = Vec::new();
                collect(&m, &mut files).map_err(|source| Error::Io { path: m.display().to_string(), source })?;
                for f in files {
                    push(f, &mut out);
                }
            }
        } else {
            return Err(Error::NotFound { path: input.clone() });
        }
    }
    Ok(out)
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let meta = path.symlink_metadata()?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<io::Result<_>>()?;
        entries.sort();
        for e in entries {
            // inside folders, only regular files and links: a FIFO or device would block or
            // never end (a path named explicitly is read whatever it is)
            let ft = e.symlink_metadata()?.file_type();
            if ft.is_dir() || ft.is_file() || ft.is_symlink() {
                collect(&e, out)?;
            }
        }
    } else if meta.file_type().is_symlink() {
        // A link to a folder is not followed; a link to a file or a dangling link is an input.
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {}
            _ => out.push(path.to_path_buf()),
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// A reader that feeds every byte it passes through into a SHA-256 (when asked to), and counts
/// them.
pub struct HashingReader<R> {
    inner: R,
    hasher: Option<Sha256>,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R, hash: bool) -> Self {
        HashingReader { inner, hasher: hash.then(Sha256::new), bytes: 0 }
    }

    /// Read the rest of the underlying stream (so the digest and the count cover the whole
    /// file) and return (hex digest if hashing, bytes read).
    pub fn finish(mut self) -> io::Result<(Option<String>, u64)> {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match self.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((self.hasher.map(|h| hex(&h.finalize())), self.bytes))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = self.hasher.as_mut() {
            h.update(&buf[..n]);
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

type Raw = Chain<Cursor<Vec<u8>>, HashingReader<File>>;

/// A file opened for reading: decompressed bytes out, SHA-256 of the stored bytes on the side.
pub enum Source {
    Plain(Raw),
    Gzip(Box<flate2::bufread::MultiGzDecoder<BufReader<Raw>>>),
    Zstd(Box<zstd::stream::read::Decoder<'static, BufReader<Raw>>>),
}

impl Source {
    /// Open a file and recognise its compression from its magic bytes; `hash`: compute the
    /// SHA-256 of its stored bytes as they are read.
    pub fn open(path: &Path, hash: bool) -> io::Result<Source> {
        let file = File::open(path)?;
        if file.metadata()?.is_dir() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "is a directory"));
        }
        let mut hr = HashingReader::new(file, hash);
        let mut magic = [0u8; 4];
        let mut n = 0;
        while n < magic.len() {
            match hr.read(&mut magic[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let raw = Cursor::new(magic[..n].to_vec()).chain(hr);
        Ok(match Compression::from_magic(&magic[..n]) {
            Compression::None => Source::Plain(raw),
            Compression::Gzip => Source::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(1 << 18, raw)))),
            Compression::Zstd => Source::Zstd(Box::new(zstd::stream::read::Decoder::with_buffer(BufReader::with_capacity(1 << 18, raw))?)),
        })
    }

    pub fn compression(&self) -> Compression {
        match self {
            Source::Plain(_) => Compression::None,
            Source::Gzip(_) => Compression::Gzip,
            Source::Zstd(_) => Compression::Zstd,
        }
    }

    /// Finish the digest over every stored byte of the file: (hex SHA-256 if hashing, bytes on
    /// disk).
    pub fn finish(self) -> io::Result<(Option<String>, u64)> {
        let raw = match self {
            Source::Plain(raw) => raw,
            Source::Gzip(d) => d.into_inner().into_inner(),
            Source::Zstd(d) => d.finish().into_inner(),
        };
        let (_, hr) = raw.into_inner();
        hr.finish()
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(buf),
            Source::Gzip(r) => r.read(buf),
            Source::Zstd(r) => r.read(buf),
        }
    }
}

/// Read up to `limit` decompressed bytes from the start of a file (for format sniffing).
/// Decompression errors are not errors here: whatever was decoded is returned.
pub fn read_head(path: &Path, limit: usize) -> io::Result<(Vec<u8>, Compression)> {
    let mut src = Source::open(path, false)?;
    let compression = src.compression();
    let mut buf = vec![0u8; limit];
    let mut n = 0;
    while n < limit {
        match src.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // A corrupt or truncated stream: sniff what was decoded; the full read reports it.
            Err(_) => break,
        }
    }
    buf.truncate(n);
    Ok((buf, compression))
}
