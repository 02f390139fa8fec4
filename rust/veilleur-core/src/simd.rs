//! Sixteen bytes compared at once, the answers as bit masks (bit `i` for byte `i`): SSE2 on
//! x86_64 (part of its baseline: always there), a byte loop elsewhere. The parsers find the
//! bytes they look for (spaces, newlines, dots...) with these rather than with a loop that
//! branches on every byte.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_set_epi64x,
    _mm_setzero_si128, _mm_sub_epi8,
};

/// Sixteen bytes.
#[derive(Clone, Copy)]
pub struct Bytes16 {
    #[cfg(target_arch = "x86_64")]
    v: __m128i,
    #[cfg(not(target_arch = "x86_64"))]
    b: [u8; 16],
}

impl Bytes16 {
    #[inline(always)]
    pub fn load(b: &[u8; 16]) -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: SSE2 is part of the x86_64 baseline; the load reads the 16 bytes of `b`.
            Bytes16 { v: unsafe { _mm_loadu_si128(b.as_ptr().cast::<__m128i>()) } }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Bytes16 { b: *b }
        }
    }

    /// The first 16 bytes of `b`, zeros after its end when it is shorter: a long `b` is loaded,
    /// one of 8 to 15 bytes read as two overlapping words (the same bytes OR-ed twice), a
    /// shorter one byte by byte.
    #[inline(always)]
    pub fn load_prefix(b: &[u8]) -> Self {
        let n = b.len();
        if let Some(head) = b.get(..16) {
            return Bytes16::load(head.try_into().expect("16 bytes"));
        }
        let word = |k: usize| u128::from(u64::from_le_bytes(b[k..k + 8].try_into().expect("8 bytes")));
        let x =
            if n >= 8 { word(0) | (word(n - 8) << (8 * (n - 8))) } else { b.iter().rev().fold(0u128, |x, &c| (x << 8) | u128::from(c)) };
        Bytes16::from_u128(x)
    }

    /// The bytes of `x`, little-endian (byte `i` is `x >> 8 * i`), without going through memory.
    #[inline(always)]
    pub fn from_u128(x: u128) -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: SSE2 is part of the x86_64 baseline; no memory is read.
            Bytes16 { v: unsafe { _mm_set_epi64x((x >> 64) as i64, x as i64) } }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Bytes16 { b: x.to_le_bytes() }
        }
    }

    /// The bytes equal to one of `cs`.
    #[inline(always)]
    pub fn eq_any(self, cs: &[u8]) -> u32 {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: SSE2 is part of the x86_64 baseline; no memory is read.
            unsafe {
                let m = cs.iter().fold(_mm_setzero_si128(), |m, &c| _mm_or_si128(m, _mm_cmpeq_epi8(self.v, _mm_set1_epi8(c as i8))));
                _mm_movemask_epi8(m) as u32 & 0xFFFF
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self.b.iter().enumerate().fold(0, |m, (i, c)| m | (u32::from(cs.contains(c)) << i))
        }
    }

    /// The bytes equal to `c`.
    #[inline(always)]
    pub fn eq(self, c: u8) -> u32 {
        self.eq_any(&[c])
    }

    /// The bytes in `lo..=hi`.
    #[inline(always)]
    pub fn in_range(self, lo: u8, hi: u8) -> u32 {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: SSE2 is part of the x86_64 baseline; no memory is read.
            unsafe {
                // in range: the distance above `lo` (unsigned, wrapping) is at most `hi - lo`
                let d = _mm_sub_epi8(self.v, _mm_set1_epi8(lo as i8));
                _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(hi.wrapping_sub(lo) as i8)), d)) as u32 & 0xFFFF
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self.b.iter().enumerate().fold(0, |m, (i, &c)| m | (u32::from((lo..=hi).contains(&c)) << i))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_bytes() {
        let b: [u8; 16] = *b"a. 9\n0_Z/\xff:A2 5z";
        let v = Bytes16::load(&b);
        let want = |f: &dyn Fn(u8) -> bool| b.iter().enumerate().fold(0u32, |m, (i, &c)| m | (u32::from(f(c)) << i));
        assert_eq!(v.eq(b' '), want(&|c| c == b' '));
        assert_eq!(v.eq_any(b"/:\n"), want(&|c| matches!(c, b'/' | b':' | b'\n')));
        assert_eq!(v.in_range(b'0', b'9'), want(&|c| c.is_ascii_digit()));
        assert_eq!(v.in_range(b'A', b'Z'), want(&|c| c.is_ascii_uppercase()));
        assert_eq!(v.in_range(0x80, 0xFF), want(&|c| c >= 0x80));
        assert_eq!(Bytes16::from_u128(u128::from_le_bytes(b)).eq(b'9'), v.eq(b'9'));
        for n in 0..=20 {
            let text: Vec<u8> = (0..n as u8).map(|i| b'a' + i).collect();
            let mut want = [0u8; 16];
            want[..n.min(16)].copy_from_slice(&text[..n.min(16)]);
            let want = Bytes16::load(&want);
            let got = Bytes16::load_prefix(&text);
            for c in 0..=b'z' {
                assert_eq!(got.eq(c), want.eq(c), "{n} {c}");
            }
        }
    }
}
