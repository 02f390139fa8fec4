//! Dotted-quad IPv4 parsing with SSSE3 (x86-64, chosen at run time by the matcher): the same
//! answer as [`super::ip::parse_v4`] in about a quarter of its instructions. The positions of
//! the three dots index a table of byte shuffles that right-align each octet's digits in a
//! 32-bit lane of its own; one multiply-add pair then gives the four values at once. After
//! W. Muła and D. Lemire, "Parsing IP addresses crazily fast" (2023).

use core::arch::x86_64::*;

use super::ip::load_7_to_15;

/// For each mask of dot positions in the first 12 bytes (an address has its last dot at byte
/// 11 at most): `1 + 9·(l0-1) + 3·(l1-1) + (l2-1)` for the lengths of the first three octets,
/// or 0 when the dots cannot be those of an address.
static DOTS: [u8; 4096] = dot_patterns();

const fn dot_patterns() -> [u8; 4096] {
    let mut t = [0u8; 4096];
    let mut i = 0;
    while i < 27 {
        let (l0, l1, l2) = (i / 9 + 1, i / 3 % 3 + 1, i % 3 + 1);
        let (p1, p2) = (l0, l0 + 1 + l1);
        let p3 = p2 + 1 + l2;
        t[(1 << p1) | (1 << p2) | (1 << p3)] = (i + 1) as u8;
        i += 1;
    }
    t
}

/// One layout of an address (the four octet lengths): the `pshufb` mask that puts octet k's
/// digits at bytes 4k..4k+3 as `[hundreds, tens, units, 0]` (missing digits 0), and the least
/// value of each octet that has no leading zero (0, 10 or 100, by its length).
#[repr(C, align(16))]
struct Layout {
    shuffle: [u8; 16],
    least: [i32; 4],
}

/// The 81 layouts, indexed `3·(DOTS entry - 1) + (l3 - 1)`.
static LAYOUTS: [Layout; 81] = layouts();

const fn layouts() -> [Layout; 81] {
    let mut t = [const { Layout { shuffle: [0x80; 16], least: [0; 4] } }; 81];
    let mut i = 0;
    while i < 81 {
        let lens = [i / 27 + 1, i / 9 % 3 + 1, i / 3 % 3 + 1, i % 3 + 1];
        let mut start = 0;
        let mut k = 0;
        while k < 4 {
            let l = lens[k];
            let end = start + l; // one past the octet's last digit
            t[i].shuffle[4 * k + 2] = (end - 1) as u8;
            if l >= 2 {
                t[i].shuffle[4 * k + 1] = (end - 2) as u8;
            }
            if l == 3 {
                t[i].shuffle[4 * k] = (end - 3) as u8;
            }
            t[i].least[k] = [0, 10, 100][l - 1];
            start = end + 1;
            k += 1;
        }
        i += 1;
    }
    t
}

/// The dotted-quad IPv4 that is the whole of `b`, as [`super::ip::parse_v4`] reads it.
///
/// # Safety
/// The CPU must support SSSE3 (`is_x86_feature_detected!("ssse3")`).
#[target_feature(enable = "ssse3")]
#[inline]
pub unsafe fn parse_v4(b: &[u8]) -> Option<u32> {
    let n = b.len();
    if !(7..=15).contains(&n) {
        return None;
    }
    let (lo, hi) = load_7_to_15(b);
    let v = _mm_set_epi64x(hi as i64, lo as i64);
    let dots = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8))) as u32;
    let d = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8)); // digit values; other bytes > 9
    let nine = _mm_set1_epi8(9);
    let digits = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(d, nine), nine)) as u32;
    // each of the n bytes a digit or a dot (the zero bytes above n are neither)
    if dots | digits != (1 << n) - 1 || dots >= 1 << 12 {
        return None;
    }
    let first3 = DOTS[dots as usize] as usize;
    let l3 = n.wrapping_sub(32 - dots.leading_zeros() as usize); // bytes after the last dot
    if first3 == 0 || !(1..=3).contains(&l3) {
        return None;
    }
    let layout = &LAYOUTS[3 * (first3 - 1) + l3 - 1];
    // SAFETY: `Layout` is 16-byte aligned and both fields are 16 bytes
    let (shuffle, least) = unsafe { (_mm_load_si128(layout.shuffle.as_ptr().cast()), _mm_load_si128(layout.least.as_ptr().cast())) };
    let lanes = _mm_shuffle_epi8(d, shuffle);
    let pairs = _mm_maddubs_epi16(lanes, _mm_set1_epi32(i32::from_le_bytes([100, 10, 1, 0])));
    let values = _mm_madd_epi16(pairs, _mm_set1_epi16(1));
    let bad = _mm_or_si128(_mm_cmpgt_epi32(values, _mm_set1_epi32(255)), _mm_cmplt_epi32(values, least));
    if _mm_movemask_epi8(bad) != 0 {
        return None;
    }
    let bytes = _mm_shuffle_epi8(values, _mm_setr_epi8(12, 8, 4, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    Some(_mm_cvtsi128_si32(bytes) as u32)
}
